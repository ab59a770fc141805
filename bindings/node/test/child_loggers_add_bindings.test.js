'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('child(bindings) adds its fields to every record; grandchildren add theirs after', async () => {
  const log = memLogger()
  const child = log.child({ service: 'api' })
  const grandchild = child.child({ module: 'db' })
  child.info('from child')
  grandchild.info({ query: 'select' }, 'from grandchild')
  log.info('from root')
  const got = (await records(log)).map(({ ts, level, logger, ...rest }) => rest)
  assert.deepEqual(got, [
    { msg: 'from child', service: 'api' },
    { msg: 'from grandchild', service: 'api', module: 'db', query: 'select' },
    { msg: 'from root' }
  ])
  assert.deepEqual(grandchild.bindings(), { service: 'api', module: 'db' })
  assert.deepEqual(log.bindings(), {})
  await log.close()
})

test('a child with a name writes it as logger and takes the level configured for it', async () => {
  const log = memLogger({ loggers: { db: { level: 'warn' } } })
  const db = log.child({}, { name: 'db' })
  db.info('filtered by the db override')
  db.warn('kept')
  log.info('root keeps info')
  const got = (await records(log)).map((r) => [r.logger, r.msg])
  assert.deepEqual(got, [['db', 'kept'], ['app', 'root keeps info']])
  assert.equal(db.level, 'warn')
  await log.close()
})

test('child() refuses bindings that are not an object', () => {
  const log = memLogger()
  assert.throws(() => log.child('service=api'), /bindings must be an object/)
  return log.close()
})

test('a child keeps a level of its own: changing it leaves the parent alone, and back', async () => {
  const log = memLogger()
  const child = log.child({ component: 'db' })
  assert.equal(child.level, 'info', 'a child starts at its parent level')
  child.level = 'debug'
  assert.equal(log.level, 'info')
  child.debug('child debug kept')
  log.debug('root debug filtered')
  log.level = 'error'
  assert.equal(child.level, 'debug')
  child.info('child info kept')
  log.warn('root warn filtered')
  const got = (await records(log)).map((r) => r.msg)
  assert.deepEqual(got, ['child debug kept', 'child info kept'])
  await log.close()
})
