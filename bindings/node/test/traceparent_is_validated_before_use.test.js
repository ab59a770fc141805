'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { parseTraceparent } = require('..')

test('parseTraceparent accepts the W3C form and refuses malformed or all-zero ids', () => {
  assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), {
    version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01'
  })
  assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future').traceId,
    '4bf92f3577b34da6a3ce929d0e0e4736', 'a later version may append fields')
  for (const bad of [
    undefined,
    '',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01', // short trace id
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // zero trace id
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // zero parent id
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // version ff
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', // extra on 00
    '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01'
  ]) {
    assert.equal(parseTraceparent(bad), null, `accepted ${bad}`)
  }
})
