'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { EventEmitter } = require('node:events')
const { withContext, currentContext } = require('..')
const { memLogger, records } = require('./helpers.js')

test('records logged inside withContext carry its fields across awaits, timers, promises and queueMicrotask', async () => {
  const log = memLogger()
  const emitter = new EventEmitter()
  await withContext({ requestId: 'r-1', traceId: 'a'.repeat(32) }, async () => {
    log.info('sync')
    await new Promise((resolve) => setTimeout(resolve, 2))
    log.info('after await')
    await new Promise((resolve) => setTimeout(() => { log.info('in timer'); resolve() }, 1))
    await new Promise((resolve) => setImmediate(() => { log.info('in immediate'); resolve() }))
    await Promise.resolve().then(() => log.info('in then'))
    await new Promise((resolve) => queueMicrotask(() => { log.info('in microtask'); resolve() }))
    emitter.on('go', () => log.info('in listener'))
  })
  emitter.emit('go') // emitted outside: a listener runs in the emitter's caller context
  log.info('outside')
  const got = (await records(log)).map((r) => [r.msg, r.requestId ?? null, r.traceId ?? null])
  const t = 'a'.repeat(32)
  assert.deepEqual(got, [
    ['sync', 'r-1', t],
    ['after await', 'r-1', t],
    ['in timer', 'r-1', t],
    ['in immediate', 'r-1', t],
    ['in then', 'r-1', t],
    ['in microtask', 'r-1', t],
    ['in listener', null, null],
    ['outside', null, null]
  ])
  await log.close()
})

test('withContext returns what its function returns and currentContext reads the fields', async () => {
  assert.deepEqual(currentContext(), {})
  const v = withContext({ a: 1 }, (x, y) => ({ x, y, ctx: currentContext() }), 2, 3)
  assert.deepEqual(v, { x: 2, y: 3, ctx: { a: 1 } })
  const p = withContext({ b: 2 }, async () => currentContext())
  assert.ok(p instanceof Promise)
  assert.deepEqual(await p, { b: 2 })
  assert.throws(() => withContext('x', () => {}), /fields must be an object/)
  assert.throws(() => withContext({}), /fn must be a function/)
})

test('context fields come before the logger\'s bindings and the event\'s fields', async () => {
  const log = memLogger().child({ service: 'api' })
  withContext({ requestId: 'r-9' }, () => log.info({ status: 200 }, 'ordered'))
  const [r] = await records(log)
  assert.deepEqual(Object.keys(r).slice(4), ['requestId', 'service', 'status'])
})
