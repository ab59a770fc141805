'use strict'

// Shared by the tests: loggers writing to a capture sink, and reading
// back what they wrote.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createLogger } = require('..')

/** A logger with one capture sink named "mem"; `extra` adds config keys. */
function memLogger (extra = {}, options = {}) {
  return createLogger({ sinks: [{ type: 'capture', name: 'mem' }], ...extra }, { handleExit: false, ...options })
}

/** Flushes `log` and returns every record it wrote, parsed. */
async function records (log) {
  await log.flush(10000)
  return log.capture('mem').records()
}

/** A fresh temporary directory, removed when the process exits. */
function tempDir () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asynclog-node-test-'))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The lines of a file, without the empty one after the last newline. */
function fileLines (file) {
  const text = fs.readFileSync(file, 'utf8')
  return text === '' ? [] : text.slice(0, -1).split('\n')
}

module.exports = { memLogger, records, tempDir, fileLines }
