'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { createLogger } = require('..')

function configError (config) {
  try {
    createLogger(config, { handleExit: false })
  } catch (e) {
    return e
  }
  assert.fail('the configuration was accepted')
}

test('an invalid configuration throws an error naming the path of the bad value', () => {
  const relative = configError({ sinks: [{ type: 'file', path: 'relative.log' }] })
  assert.equal(relative.code, 'ERR_ASYNCLOG_CONFIG')
  assert.match(relative.message, /sinks\[0\]\.path: /)

  const typo = configError({ sinks: [{ type: 'capture', name: 'a' }, { type: 'stdout', encodr: 'ndjson' }] })
  assert.match(typo.message, /sinks\[1\]\.encodr: unknown key/)

  const level = configError({ level: 'loud' })
  assert.match(level.message, /^asynclog: invalid configuration: level: /)

  const capacity = configError({ queue: { capacity: -1 } })
  assert.match(capacity.message, /queue\.capacity: /)
})

test('a configuration may be a JSON or TOML text, and anything else is a TypeError', async () => {
  const toml = createLogger('level = "warn"\n[[sinks]]\ntype = "capture"\nname = "mem"\n', { handleExit: false })
  assert.equal(toml.level, 'warn')
  await toml.close()
  assert.match(configError('{"level": ').message, /invalid configuration/)
  assert.throws(() => createLogger(42), TypeError)
})
