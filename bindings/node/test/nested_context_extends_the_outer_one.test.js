'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { withContext, currentContext } = require('..')
const { memLogger, records } = require('./helpers.js')

test('a nested withContext adds to the outer context, its keys win, and the outer is restored after it', async () => {
  const log = memLogger()
  await withContext({ requestId: 'outer', tenant: 't1' }, async () => {
    await withContext({ requestId: 'inner', spanId: 's1' }, async () => {
      await null
      log.info('inner')
      assert.deepEqual(currentContext(), { requestId: 'inner', tenant: 't1', spanId: 's1' })
    })
    log.info('outer again')
  })
  const [inner, outer] = await records(log)
  assert.equal(inner.requestId, 'inner')
  assert.equal(inner.tenant, 't1')
  assert.equal(inner.spanId, 's1')
  assert.equal(outer.requestId, 'outer')
  assert.equal('spanId' in outer, false)
  await log.close()
})
