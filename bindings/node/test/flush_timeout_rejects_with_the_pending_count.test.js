'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('a flush that runs out of time rejects with the number of events still unwritten, and a later flush completes', async () => {
  const log = memLogger()
  const mem = log.capture('mem')
  mem.pause()
  for (let i = 0; i < 25; i++) log.info({ i }, 'held')
  await assert.rejects(log.flush(100), (err) => {
    assert.equal(err.code, 'ERR_ASYNCLOG_FLUSH_TIMEOUT')
    assert.equal(err.pending, 25)
    assert.match(err.message, /flush timed out with 25 events not yet written/)
    return true
  })
  mem.resume()
  assert.equal((await records(log)).length, 25)
  await log.close()
})
