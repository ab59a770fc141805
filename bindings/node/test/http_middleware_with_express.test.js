'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const express = require('express')
const { httpLogger } = require('..')
const { memLogger, records } = require('./helpers.js')
const { request, listen, byRequest, TRACE, TRACEPARENT } = require('./http_helpers.js')

test('Express 5: the route template is logged, handlers log in the request context, errors are 500s at ERROR', async (t) => {
  const log = memLogger()
  const app = express()
  app.use(httpLogger(log, { headers: ['user-agent', 'set-cookie', 'authorization'] }))
  app.use(express.json())
  const router = express.Router()
  router.get('/items/:id', async (req, res) => {
    await new Promise((resolve) => setImmediate(resolve))
    log.info({ id: req.params.id }, 'loading item')
    res.json({ id: req.params.id })
  })
  router.post('/items', (req, res) => {
    log.info({ keys: Object.keys(req.body) }, 'creating item')
    res.status(201).send('created')
  })
  app.use('/api', router)
  app.get('/boom', () => { throw new Error('handler failed') })
  app.use((err, req, res, next) => {
    log.error({ err }, 'unhandled')
    res.status(500).end()
  })
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  t.after(() => server.close())
  const port = server.address().port

  const responses = await Promise.all([
    request(port, { path: '/api/items/42', headers: { 'x-request-id': 'req-get', authorization: 'Basic x' } }),
    request(port, { method: 'POST', path: '/api/items', headers: { 'content-type': 'application/json', traceparent: TRACEPARENT }, body: '{"name":"n","price":3}' }),
    request(port, { path: '/boom', headers: { 'x-request-id': 'req-boom' } })
  ])
  assert.deepEqual(responses.map((r) => r.status), [200, 201, 500])
  assert.equal(responses[0].headers['x-request-id'], 'req-get')

  const got = byRequest(await records(log))
  const get = got.get('req-get')
  assert.equal(get.access[0].route, '/api/items/:id')
  assert.equal(get.access[0].path, '/api/items/42')
  assert.equal(get.access[0].res_bytes, Buffer.byteLength('{"id":"42"}'))
  assert.deepEqual(get.access[0].headers, { authorization: '[REDACTED]' })
  assert.deepEqual(get.inner.map((r) => [r.msg, r.id]), [['loading item', '42']])

  const post = got.get(TRACE)
  assert.equal(post.access[0].route, '/api/items')
  assert.equal(post.access[0].status, 201)
  assert.equal(post.access[0].req_bytes, 22)
  assert.deepEqual(post.inner[0].keys, ['name', 'price'])

  const boom = got.get('req-boom')
  assert.equal(boom.access[0].level, 'ERROR')
  assert.equal(boom.access[0].status, 500)
  assert.equal(boom.inner[0].err.message, 'handler failed')
  await log.close()
})
