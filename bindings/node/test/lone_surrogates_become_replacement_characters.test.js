'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { memLogger, records } = require('./helpers.js')

test('lone and reversed surrogates in messages, values and keys become U+FFFD; valid pairs survive', async () => {
  const log = memLogger()
  log.info({ v: 'a\ud800b', ['k\udc00']: 'x', pair: '𝄞', reversed: '\udd1e\ud834' }, 'm\udfff')
  await log.flush()
  const [line] = log.capture('mem').lines()
  assert.equal(Buffer.from(line).toString('utf8'), line, 'the line is valid UTF-8')
  const r = JSON.parse(line)
  assert.equal(r.msg, 'm\ufffd')
  assert.equal(r.v, 'a\ufffdb')
  assert.equal(r['k\ufffd'], 'x')
  assert.equal(r.pair, '𝄞')
  assert.equal(r.reversed, '\ufffd\ufffd')
  await log.close()
})
