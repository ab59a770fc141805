'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('a message or value over limits.max_message_bytes is cut with the marker and counted', async () => {
  const log = memLogger({ limits: { max_message_bytes: 1024 } })
  const huge = 'x'.repeat(5 * 1024 * 1024)
  log.info({ value: huge, exact: 'y'.repeat(1024) }, huge)
  const [r] = await records(log)
  assert.equal(r.msg, 'x'.repeat(1024 - '...[truncated]'.length) + '...[truncated]')
  assert.equal(r.value.length, 1024)
  assert.ok(r.value.endsWith('...[truncated]'))
  assert.equal(r.exact, 'y'.repeat(1024), 'a value exactly at the limit is kept whole')
  assert.equal(log.metrics().truncated, 1)
  await log.close()
})

test('a multi-byte string is cut on a character boundary', async () => {
  const log = memLogger({ limits: { max_message_bytes: 100 } })
  log.info({ v: '€'.repeat(1000) }, 'euros')
  const [r] = await records(log)
  assert.ok(r.v.endsWith('...[truncated]'))
  assert.match(r.v, /^€+\.\.\.\[truncated\]$/)
  assert.ok(Buffer.byteLength(r.v) <= 100)
  await log.close()
})

test('a long key is cut to the encoding\'s 65535 bytes without splitting a character', async () => {
  const log = memLogger()
  const key = 'é'.repeat(40000)
  log.info({ [key]: 1 }, 'long key')
  const [r] = await records(log)
  const [k] = Object.keys(r).filter((x) => x.startsWith('é'))
  assert.ok(Buffer.byteLength(k) <= 65535)
  assert.match(k, /^é+$/)
  await log.close()
})
