'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('each level method writes a record with its level, and the default INFO filters trace and debug', async () => {
  const log = memLogger()
  for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'audit', 'security']) {
    log[m](`via ${m}`)
  }
  const got = (await records(log)).map((r) => [r.level, r.msg])
  assert.deepEqual(got, [
    ['INFO', 'via info'],
    ['WARN', 'via warn'],
    ['ERROR', 'via error'],
    ['FATAL', 'via fatal'],
    ['AUDIT', 'via audit'],
    ['SECURITY', 'via security']
  ])
  await log.close()
})

test('records carry ts, level, logger and msg first, in that order', async () => {
  const log = memLogger({ name: 'svc' })
  log.info({ k: 1 }, 'hello')
  const [r] = await records(log)
  assert.deepEqual(Object.keys(r), ['ts', 'level', 'logger', 'msg', 'k'])
  assert.equal(r.logger, 'svc')
  assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/)
  await log.close()
})

test('audit and security events pass even the highest level filter', async () => {
  const log = memLogger({ level: 'fatal' })
  log.error('dropped by level')
  log.audit({ actor: 'u1' }, 'user deleted')
  log.security('login failed')
  const got = (await records(log)).map((r) => r.level)
  assert.deepEqual(got, ['AUDIT', 'SECURITY'])
  assert.equal(log.metrics().filtered, 1)
  await log.close()
})
