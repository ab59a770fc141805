'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger } = require('./helpers.js')

test('capture(name) reads lines and records of a capture sink and clears them', async () => {
  const log = memLogger()
  const mem = log.capture('mem')
  log.info('one')
  log.info('two')
  await log.flush()
  assert.equal(mem.lines().length, 2)
  assert.deepEqual(mem.records().map((r) => r.msg), ['one', 'two'])
  mem.clear()
  assert.deepEqual(mem.lines(), [])
  log.info('three')
  await log.flush()
  assert.deepEqual(mem.records().map((r) => r.msg), ['three'])
  assert.throws(() => log.capture('nope'), /no capture sink named "nope"/)
  await log.close()
})
