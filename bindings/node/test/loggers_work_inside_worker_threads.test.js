'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { withContext } = require('..')
const { memLogger, records, tempDir, fileLines } = require('./helpers.js')

test('worker threads have loggers of their own next to the main thread\'s, and their lines are all written', async () => {
  const dir = tempDir()
  const pkg = path.join(__dirname, '..')
  const main = memLogger()
  const workers = [0, 1].map((w) => new Promise((resolve, reject) => {
    const file = path.join(dir, `worker-${w}.log`)
    const worker = new Worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const { createLogger, withContext } = require(workerData.pkg)
      const log = createLogger({ sinks: [{ type: 'file', path: workerData.file }] }, { handleExit: false })
      withContext({ worker: workerData.w }, () => {
        for (let i = 0; i < 20000; i++) log.info({ i }, 'from worker')
      })
      log.close().then((unwritten) => parentPort.postMessage(unwritten))
    `, { eval: true, workerData: { pkg, file, w } })
    worker.once('message', (unwritten) => resolve({ file, unwritten }))
    worker.once('error', reject)
  }))
  withContext({ thread: 'main' }, () => {
    for (let i = 0; i < 1000; i++) main.info({ i }, 'from main')
  })
  const done = await Promise.all(workers)
  for (const [w, { file, unwritten }] of done.entries()) {
    assert.equal(unwritten, 0)
    const lines = fileLines(file).map((l) => JSON.parse(l))
    assert.equal(lines.length, 20000)
    assert.ok(lines.every((r, i) => r.i === i && r.worker === w))
  }
  const mine = await records(main)
  assert.equal(mine.length, 1000)
  assert.ok(mine.every((r) => r.thread === 'main' && r.worker === undefined))
  await main.close()
})

test('a worker thread that ends without closing its logger still writes every line', async () => {
  const file = path.join(tempDir(), 'unclosed-worker.log')
  const pkg = path.join(__dirname, '..')
  const worker = new Worker(`
    const { workerData } = require('node:worker_threads')
    const { createLogger } = require(workerData.pkg)
    const log = createLogger({ sinks: [{ type: 'file', path: workerData.file }] })
    for (let i = 0; i < 50000; i++) log.info({ i }, 'from worker')
  `, { eval: true, workerData: { pkg, file } })
  const code = await new Promise((resolve, reject) => {
    worker.once('exit', resolve)
    worker.once('error', reject)
  })
  assert.equal(code, 0)
  assert.equal(fileLines(file).length, 50000)
})
