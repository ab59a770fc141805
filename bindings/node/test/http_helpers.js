'use strict'

// A small HTTP client for the middleware tests: requests to a server
// listening on 127.0.0.1, returning status, headers and body.

const http = require('node:http')

function request (port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

/** Starts `server` on an ephemeral port of 127.0.0.1. */
function listen (server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The request record and the handler's records, by request id. */
function byRequest (records) {
  const out = new Map()
  for (const r of records) {
    if (!out.has(r.request_id)) out.set(r.request_id, { access: [], inner: [] })
    const slot = out.get(r.request_id)
    if (r.msg === 'request completed') slot.access.push(r)
    else slot.inner.push(r)
  }
  return out
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE}-${SPAN}-01`

module.exports = { request, listen, UUID, byRequest, TRACE, SPAN, TRACEPARENT }
