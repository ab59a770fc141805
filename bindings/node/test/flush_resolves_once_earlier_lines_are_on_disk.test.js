'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { createLogger } = require('..')
const { tempDir, fileLines } = require('./helpers.js')

test('flush() resolves once every line logged before it is in the file', async () => {
  const file = path.join(tempDir(), 'flush.log')
  const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < 20000; i++) log.info({ round, i }, 'line')
    const p = log.flush()
    assert.ok(p instanceof Promise)
    await p
    const lines = fileLines(file)
    assert.equal(lines.length, round * 20000)
    assert.deepEqual(JSON.parse(lines.at(-1)).i, 19999)
  }
  await log.close()
})

test('the event loop keeps running while a flush waits', async () => {
  const file = path.join(tempDir(), 'loop.log')
  const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
  for (let i = 0; i < 200000; i++) log.info({ i }, 'line')
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 0)
  const started = Date.now()
  await log.flush()
  clearInterval(timer)
  const waited = Date.now() - started
  // A flush that blocked the loop would leave no tick to the interval.
  if (waited >= 5) assert.ok(ticks > 0, `no timer ran during a ${waited} ms flush`)
  assert.equal(fileLines(file).length, 200000)
  await log.close()
})
