'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { wrapHandler } = require('..')
const { memLogger, records } = require('./helpers.js')
const { request, listen, UUID, byRequest, TRACE, SPAN, TRACEPARENT } = require('./http_helpers.js')

test('node:http: ids from x-request-id, traceparent or a fresh UUID, echoed, one record per request, handler logs in context', async (t) => {
  const log = memLogger()
  const server = http.createServer(wrapHandler(log, async (req, res) => {
    log.info('handler start')
    await new Promise((resolve) => setTimeout(resolve, 5))
    let body = ''
    for await (const chunk of req) body += chunk
    log.info({ got: body.length }, 'handler read body')
    res.statusCode = req.url.startsWith('/missing') ? 404 : 200
    res.setHeader('content-type', 'text/plain')
    res.end('hello world')
  }, { headers: ['user-agent', 'authorization', 'cookie', 'x-api-key', 'x-session-id'] }))
  const port = await listen(server)
  t.after(() => server.close())

  const a = await request(port, { path: '/items?id=1', headers: { 'x-request-id': 'abc-123', authorization: 'Bearer s3cret', cookie: 'sid=1', 'x-api-key': 'k', 'x-session-id': 'sess', 'user-agent': 'test/1' } })
  const b = await request(port, { method: 'POST', path: '/upload', headers: { traceparent: TRACEPARENT }, body: 'x'.repeat(300) })
  const c = await request(port, { path: '/missing' })
  const d = await request(port, { headers: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'x-request-id': 'bad id with spaces' } })

  assert.equal(a.headers['x-request-id'], 'abc-123')
  assert.equal(b.headers['x-request-id'], TRACE)
  assert.match(c.headers['x-request-id'], UUID)
  assert.match(d.headers['x-request-id'], UUID, 'an invalid traceparent and a malformed x-request-id are ignored')

  const got = byRequest(await records(log))
  assert.equal(got.size, 4)

  const ra = got.get('abc-123')
  assert.equal(ra.access.length, 1)
  assert.deepEqual(ra.inner.map((r) => r.msg), ['handler start', 'handler read body'])
  const access = ra.access[0]
  assert.equal(access.level, 'INFO')
  assert.equal(access.method, 'GET')
  assert.equal(access.path, '/items')
  assert.equal(access.status, 200)
  assert.equal(access.res_bytes, 11)
  assert.equal(access.req_bytes, 0)
  assert.equal(typeof access.duration_ms, 'number')
  assert.ok(access.duration_ms >= 4)
  assert.equal('route' in access, false, 'plain node:http knows no route')
  assert.deepEqual(access.headers, {
    'user-agent': 'test/1',
    authorization: '[REDACTED]',
    cookie: '[REDACTED]',
    'x-api-key': '[REDACTED]',
    'x-session-id': '[REDACTED]'
  })

  const rb = got.get(TRACE)
  assert.equal(rb.access[0].trace_id, TRACE)
  assert.equal(rb.access[0].span_id, SPAN)
  assert.equal(rb.access[0].req_bytes, 300)
  assert.equal(rb.inner[1].got, 300)
  assert.equal(rb.inner[0].trace_id, TRACE)

  const rc = got.get(c.headers['x-request-id'])
  assert.equal(rc.access[0].status, 404)
  assert.equal(rc.access[0].level, 'WARN')
  await log.close()
})
