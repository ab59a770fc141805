'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('a circular reference is written as "[Circular]" and the rest of the object is kept', async () => {
  const log = memLogger()
  const a = { name: 'a', list: [] }
  a.self = a
  a.list.push(a, 1)
  const shared = { s: 1 }
  log.info({ a, twice: [shared, shared] }, 'cycles')
  const [r] = await records(log)
  assert.deepEqual(r.a, { name: 'a', list: ['[Circular]', 1], self: '[Circular]' })
  assert.deepEqual(r.twice, [{ s: 1 }, { s: 1 }], 'a repeated (not circular) object is written each time')
  await log.close()
})
