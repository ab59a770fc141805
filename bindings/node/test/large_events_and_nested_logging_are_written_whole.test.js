'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('an event larger than the reused buffer grows it, and the events after it still go through', async () => {
  const log = memLogger({ limits: { max_message_bytes: 1 << 20, max_record_bytes: '4MiB' } })
  const big = 'b'.repeat(300 * 1024)
  log.info('small before')
  log.info({ big, list: Array.from({ length: 100 }, (_, i) => String(i).repeat(1000)) }, 'large')
  for (let i = 0; i < 100; i++) log.info({ i }, 'small after')
  const got = await records(log)
  assert.equal(got.length, 102)
  assert.equal(got[1].big, big)
  assert.deepEqual(got[1].list, Array.from({ length: 100 }, (_, i) => String(i).repeat(1000)))
  assert.deepEqual(got.slice(2).map((r) => r.i), Array.from({ length: 100 }, (_, i) => i))
  await log.close()
})

test('a toJSON or getter that logs while its own event is being encoded logs both events intact', async () => {
  const log = memLogger()
  const sneaky = {
    toJSON () {
      log.warn({ from: 'toJSON' }, 'logged while encoding')
      return { shown: true }
    }
  }
  log.info({ before: 1, sneaky, after: 2 }, 'outer')
  const got = await records(log)
  assert.deepEqual(got.map((r) => r.msg), ['logged while encoding', 'outer'])
  assert.equal(got[0].from, 'toJSON')
  assert.deepEqual([got[1].before, got[1].sneaky, got[1].after], [1, { shown: true }, 2])
  await log.close()
})
