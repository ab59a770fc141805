'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { tempDir, fileLines } = require('./helpers.js')
const { runChild } = require('./exit_helpers.js')

const N = 100000

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: every pending line is written, then the process dies of ${signal}`, async () => {
    const file = path.join(tempDir(), `${signal}.log`)
    const r = await runChild(signal.toLowerCase(), file, N, signal)
    assert.equal(r.signal, signal, `exit code ${r.code}, stderr ${r.stderr}`)
    assert.equal(r.code, null)
    assert.equal(fileLines(file).length, N)
  })
}

test('an application with its own SIGTERM handler keeps it: lines are flushed and its handler decides', async () => {
  const file = path.join(tempDir(), 'own.log')
  const r = await runChild('own-handler', file, N, 'SIGTERM')
  assert.equal(r.code, 0)
  assert.equal(r.signal, null)
  const lines = fileLines(file)
  assert.equal(lines.length, N + 1)
  assert.equal(JSON.parse(lines.at(-1)).msg, 'application cleanup')
})

test('handleSignals: false installs no signal listener', async () => {
  const file = path.join(tempDir(), 'none.log')
  const r = await runChild('no-signals', file, 10)
  assert.equal(r.stdout, '0 0\n')
  assert.equal(fileLines(file).length, 10)
})
