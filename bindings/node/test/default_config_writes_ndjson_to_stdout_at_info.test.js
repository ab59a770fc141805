'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')

test('createLogger() with no configuration writes NDJSON to stdout at INFO', () => {
  const script = `
    const { createLogger } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const log = createLogger()
    log.debug('hidden')
    log.info({ n: 1 }, 'shown')
  `
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('ASYNCLOG_')) delete env[k]
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })
  const lines = out.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.length, 1)
  assert.equal(lines[0].level, 'INFO')
  assert.equal(lines[0].msg, 'shown')
  assert.equal(lines[0].n, 1)
})

test('ASYNCLOG_LEVEL overrides the default level', () => {
  const script = `
    const { createLogger } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const log = createLogger()
    log.debug('now shown')
  `
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, ASYNCLOG_LEVEL: 'debug' }, encoding: 'utf8'
  })
  assert.equal(JSON.parse(out).msg, 'now shown')
})
