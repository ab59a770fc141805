'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('an Error passed as the object is logged as err, with its message as msg', async () => {
  const log = memLogger()
  const e = new RangeError('out of range')
  log.error(e)
  log.error(e, 'explicit message')
  const [a, b] = await records(log)
  assert.equal(a.msg, 'out of range')
  assert.equal(a.err.type, 'RangeError')
  assert.equal(a.err.message, 'out of range')
  assert.equal(a.err.stack, e.stack)
  assert.equal(b.msg, 'explicit message')
  assert.equal(b.err.type, 'RangeError')
  await log.close()
})

test('errors as field values keep type, message, stack, own properties and the cause chain', async () => {
  const log = memLogger()
  class DbError extends Error {}
  const root = new TypeError('socket closed')
  const e = new DbError('query failed', { cause: root })
  e.code = 'E_DB'
  e.retryable = false
  log.error({ err: e, attempt: 3 }, 'giving up')
  const [r] = await records(log)
  assert.equal(r.attempt, 3)
  assert.deepEqual(Object.keys(r.err), ['type', 'message', 'stack', 'code', 'retryable', 'cause'])
  assert.equal(r.err.type, 'DbError')
  assert.equal(r.err.code, 'E_DB')
  assert.equal(r.err.retryable, false)
  assert.equal(r.err.cause.type, 'TypeError')
  assert.equal(r.err.cause.message, 'socket closed')
  assert.match(r.err.cause.stack, /^TypeError: socket closed\n/)
  await log.close()
})

test('AggregateError lists its errors, a non-Error cause is kept as a value, and a cause cycle ends', async () => {
  const log = memLogger()
  const agg = new AggregateError([new Error('one'), new Error('two')], 'several')
  const withValueCause = new Error('wrapped', { cause: { status: 503 } })
  const a = new Error('a')
  const b = new Error('b', { cause: a })
  a.cause = b
  log.error({ agg, withValueCause, a }, 'errors')
  const [r] = await records(log)
  assert.equal(r.agg.type, 'AggregateError')
  assert.deepEqual(r.agg.errors.map((x) => x.message), ['one', 'two'])
  assert.deepEqual(r.withValueCause.cause, { status: 503 })
  assert.equal(r.a.cause.message, 'b')
  assert.equal(r.a.cause.cause, '[Circular]')
  await log.close()
})
