'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { tempDir, fileLines } = require('./helpers.js')
const { runChild } = require('./exit_helpers.js')

const N = 100000

function checkAll (file) {
  const lines = fileLines(file)
  assert.equal(lines.length, N)
  const seen = new Set(lines.map((l) => JSON.parse(l).i))
  assert.equal(seen.size, N)
}

test('process.exit() right after logging N lines leaves all N in the file and keeps the exit code', async () => {
  const file = path.join(tempDir(), 'exit.log')
  const r = await runChild('exit', file, N)
  assert.equal(r.code, 3)
  assert.equal(r.stderr, '')
  checkAll(file)
})

test('a process whose event loop runs dry writes all N lines', async () => {
  const file = path.join(tempDir(), 'natural.log')
  const r = await runChild('natural', file, N)
  assert.equal(r.code, 0)
  checkAll(file)
})

test('an uncaught exception still writes all N lines and exits with code 1', async () => {
  const file = path.join(tempDir(), 'throw.log')
  const r = await runChild('throw', file, N)
  assert.equal(r.code, 1)
  assert.match(r.stderr, /uncaught on purpose/)
  checkAll(file)
})

test('lines the application logs in its own exit handlers are written too', async () => {
  const file = path.join(tempDir(), 'handler.log')
  const r = await runChild('exit-handler', file, N / 2)
  assert.equal(r.code, 0)
  const lines = fileLines(file).map((l) => JSON.parse(l))
  assert.equal(lines.length, N)
  assert.equal(lines.filter((l) => l.msg === 'from an exit handler').length, N / 2)
})
