'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild } = require('./exit_helpers.js')

test('when the exit drain runs out of time, the number of lines not written is printed on stderr', async () => {
  // The fixture's only sink is a paused capture sink: nothing can be
  // written, and the drain gives up after exitTimeoutMs (200 ms).
  const started = Date.now()
  const r = await runChild('pending', '-', 1000)
  assert.equal(r.code, 3)
  assert.equal(r.stderr, 'asynclog: 1000 events not written at exit\n')
  assert.ok(Date.now() - started < 5000, 'the drain waited for its timeout, not for ever')
})
