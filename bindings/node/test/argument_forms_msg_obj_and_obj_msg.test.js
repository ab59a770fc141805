'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('level methods accept (msg), (obj, msg), (msg, obj) and (obj)', async () => {
  const log = memLogger()
  log.info('only a message')
  log.info({ a: 1 }, 'object first')
  log.info('message first', { b: 2 })
  log.info({ c: 3 })
  const got = (await records(log)).map(({ ts, level, logger, ...rest }) => rest)
  assert.deepEqual(got, [
    { msg: 'only a message' },
    { msg: 'object first', a: 1 },
    { msg: 'message first', b: 2 },
    { msg: '', c: 3 }
  ])
  await log.close()
})

test('a non-string message is turned into text and a scalar second argument becomes "value"', async () => {
  const log = memLogger()
  log.info(42)
  log.info('count', 7)
  log.info({ x: true }, 99)
  log.info()
  const got = (await records(log)).map(({ ts, level, logger, ...rest }) => rest)
  assert.deepEqual(got, [
    { msg: '42' },
    { msg: 'count', value: 7 },
    { msg: '99', x: true },
    { msg: '' }
  ])
  await log.close()
})

test('field values keep their JSON types: integers, floats, strings, booleans, null, arrays, objects', async () => {
  const log = memLogger()
  const fields = {
    int: -12, big: 2 ** 53 - 1, float: 12.5, str: 'é ✓ 𝄞', t: true, f: false, nil: null,
    arr: [1, 'two', [3], { four: 4 }], obj: { nested: { deeper: 'yes' } }
  }
  log.info(fields, 'types')
  const [r] = await records(log)
  assert.deepEqual(r.int, -12)
  assert.deepEqual(r.big, 2 ** 53 - 1)
  assert.deepEqual({ ...r, ts: undefined, level: undefined, logger: undefined, msg: undefined },
    { ts: undefined, level: undefined, logger: undefined, msg: undefined, ...fields })
  await log.close()
})
