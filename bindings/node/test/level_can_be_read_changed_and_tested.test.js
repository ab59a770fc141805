'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('level reads the configured level and setting it changes what is logged', async () => {
  const log = memLogger({ level: 'warn' })
  assert.equal(log.level, 'warn')
  log.info('below warn')
  log.level = 'debug'
  assert.equal(log.level, 'debug')
  log.debug('now kept')
  log.trace('still below')
  const got = (await records(log)).map((r) => r.msg)
  assert.deepEqual(got, ['now kept'])
  await log.close()
})

test('isLevelEnabled answers for every level name and is false for unknown names', async () => {
  const log = memLogger({ level: 'info' })
  assert.equal(log.isLevelEnabled('debug'), false)
  assert.equal(log.isLevelEnabled('info'), true)
  assert.equal(log.isLevelEnabled('error'), true)
  assert.equal(log.isLevelEnabled('audit'), true)
  assert.equal(log.isLevelEnabled('nonsense'), false)
  log.level = 'error'
  assert.equal(log.isLevelEnabled('warn'), false)
  await log.close()
})

test('a child starts at the level its parent has when it is made', async () => {
  const log = memLogger()
  log.level = 'error'
  const child = log.child({ c: 1 })
  assert.equal(child.level, 'error')
  child.warn('filtered')
  child.error('kept')
  const got = (await records(log)).map((r) => r.msg)
  assert.deepEqual(got, ['kept'])
  await log.close()
})

test('an unknown level is refused with the names that are accepted', async () => {
  const log = memLogger()
  assert.throws(() => { log.level = 'verbose' }, /unknown level "verbose"; expected one of trace, debug, info/)
  assert.throws(() => { log.level = 'audit' }, RangeError)
  assert.equal(log.level, 'info')
  await log.close()
})
