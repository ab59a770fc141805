'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('BigInt becomes an integer when it fits 64 bits and decimal text when it does not', async () => {
  const log = memLogger()
  log.info({ small: 5n, neg: -(2n ** 63n), u64: 2n ** 64n - 1n, huge: 2n ** 64n, hugeNeg: -(2n ** 70n) }, 'bigints')
  await log.flush()
  const [line] = log.capture('mem').lines()
  assert.match(line, /"small":5,"neg":-9223372036854775808,"u64":18446744073709551615,/)
  assert.match(line, /"huge":"18446744073709551616","hugeNeg":"-1180591620717411303424"/)
  await log.close()
})

test('Symbols become their description text; functions and undefined are left out of objects and are null in arrays', async () => {
  const log = memLogger()
  log.info({ sym: Symbol('tag'), fn () {}, u: undefined, arr: [Symbol.iterator, () => 1, undefined, 2] }, 'odd values')
  const [r] = await records(log)
  assert.equal(r.sym, 'Symbol(tag)')
  assert.equal('fn' in r, false)
  assert.equal('u' in r, false)
  assert.deepEqual(r.arr, ['Symbol(Symbol.iterator)', null, null, 2])
  await log.close()
})

test('Dates, Maps, Sets and toJSON are written as JSON.stringify would; Buffers as base64, NaN as text', async () => {
  const log = memLogger()
  const when = new Date('2024-05-06T07:08:09.010Z')
  log.info({
    when,
    bad: new Date(NaN),
    bytes: Buffer.from('hi'),
    map: new Map([['k', 1]]),
    set: new Set(['x', 'y']),
    nan: NaN,
    money: { toJSON: () => '12.50 EUR' }
  }, 'objects')
  const [r] = await records(log)
  assert.equal(r.when, '2024-05-06T07:08:09.010Z')
  assert.equal(r.bad, null)
  assert.equal(r.bytes, Buffer.from('hi').toString('base64'))
  assert.deepEqual(r.map, { k: 1 })
  assert.deepEqual(r.set, ['x', 'y'])
  assert.equal(r.nan, 'NaN', 'the core writes non-finite doubles as strings')
  assert.equal(r.money, '12.50 EUR')
  await log.close()
})

test('a getter that throws does not lose the event: the fields say what failed', async () => {
  const log = memLogger()
  const hostile = { ok: 1, get bad () { throw new Error('no access') } }
  log.warn(hostile, 'still logged')
  log.info('next one is fine')
  const [a, b] = await records(log)
  assert.equal(a.msg, 'still logged')
  assert.equal(a['asynclog.encode_error'], 'Error: no access')
  assert.equal('ok' in a, false)
  assert.equal(b.msg, 'next one is fine')
  await log.close()
})
