'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const { wrapHandler } = require('..')
const { memLogger, records } = require('./helpers.js')
const { listen } = require('./http_helpers.js')

test('a request whose client goes away before the response ends is logged once, with aborted: true', async (t) => {
  const log = memLogger()
  let closed
  const gone = new Promise((resolve) => { closed = resolve })
  const server = http.createServer(wrapHandler(log, (req, res) => {
    res.write('partial')
    res.on('close', closed)
  }))
  const port = await listen(server)
  t.after(() => server.close())

  const socket = net.connect(port, '127.0.0.1')
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nx-request-id: gone-1\r\n\r\n')
  socket.once('data', () => socket.destroy())
  await gone

  const got = (await records(log)).filter((r) => r.request_id === 'gone-1')
  assert.equal(got.length, 1)
  assert.equal(got[0].aborted, true)
  assert.equal(got[0].path, '/slow')
  assert.equal(got[0].res_bytes, 7)
  await log.close()
})
