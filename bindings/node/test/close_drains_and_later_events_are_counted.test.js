'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { createLogger } = require('..')
const { tempDir, fileLines } = require('./helpers.js')

test('close() writes everything logged before it and resolves with 0 unwritten', async () => {
  const file = path.join(tempDir(), 'close.log')
  const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
  for (let i = 0; i < 50000; i++) log.info({ i }, 'line')
  assert.equal(await log.close(), 0)
  assert.equal(fileLines(file).length, 50000)
})

test('events logged after close() are dropped and counted as closed', async () => {
  const file = path.join(tempDir(), 'after.log')
  const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
  const child = log.child({ c: 1 })
  log.info('before')
  await log.close()
  log.info('after')
  child.warn('after, from a child')
  const m = log.metrics()
  assert.equal(m.dropped.closed, 2)
  assert.equal(m.sinks[0].written, 1)
  assert.equal(fileLines(file).length, 1)
  assert.equal(await log.close(), 0, 'closing again reports nothing left')
})

test('metrics count what was submitted, filtered and written', async () => {
  const file = path.join(tempDir(), 'metrics.log')
  const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
  for (let i = 0; i < 10; i++) log.info('kept')
  for (let i = 0; i < 4; i++) log.debug('filtered')
  await log.flush()
  const m = log.metrics()
  assert.equal(m.submitted, 14)
  assert.equal(m.filtered, 4)
  assert.equal(m.sinks[0].written, 10)
  assert.equal(m.sinks[0].in_flight, 0)
  await log.close()
})
