'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { withContext } = require('..')
const { memLogger, records } = require('./helpers.js')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('200 interleaved requests each log only their own context', async () => {
  const log = memLogger()
  const handle = (id) => withContext({ requestId: `req-${id}` }, async () => {
    for (let step = 0; step < 5; step++) {
      await sleep((id * 7 + step * 3) % 5)
      log.info({ id, step }, 'step')
    }
  })
  await Promise.all(Array.from({ length: 200 }, (_, id) => handle(id)))
  const got = await records(log)
  assert.equal(got.length, 1000)
  for (const r of got) assert.equal(r.requestId, `req-${r.id}`)
  // The steps really did interleave.
  const firstIds = got.slice(0, 200).map((r) => r.id)
  assert.ok(new Set(firstIds).size > 1)
  await log.close()
})
