'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

function nest (depth) {
  let o = { leaf: true }
  for (let i = 0; i < depth; i++) o = { d: o }
  return o
}

test('nesting past limits.max_depth is replaced by the depth marker, even 100000 levels deep', async () => {
  const log = memLogger({ limits: { max_depth: 4 } })
  log.info({ shallow: nest(1), deep: nest(100000) }, 'nested')
  let arr = []
  for (let i = 0; i < 100000; i++) arr = [arr]
  log.info({ arr }, 'nested arrays')
  const [a, b] = await records(log)
  assert.deepEqual(a.shallow, { d: { leaf: true } })
  // Four containers are kept (the field's own object is the first), then
  // the marker.
  assert.deepEqual(a.deep, { d: { d: { d: { d: '[max depth exceeded]' } } } })
  assert.deepEqual(b.arr, [[[['[max depth exceeded]']]]])
  await log.close()
})
