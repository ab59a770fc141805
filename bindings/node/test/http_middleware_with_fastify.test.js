'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const Fastify = require('fastify')
const { fastifyPlugin } = require('..')
const { memLogger, records } = require('./helpers.js')
const { request, byRequest, UUID, TRACE, TRACEPARENT } = require('./http_helpers.js')

test('Fastify 5: the plugin logs routeOptions.url and every hook and handler runs in the request context', async (t) => {
  const log = memLogger()
  const app = Fastify()
  await app.register(fastifyPlugin(log, { headers: ['content-type', 'cookie'] }))
  app.addHook('preHandler', async () => { log.debug('never: debug is below info') })
  app.register(async (scoped) => {
    scoped.addHook('onRequest', async () => { log.info('scoped hook') })
    scoped.get('/users/:id', async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 3))
      log.info({ id: req.params.id }, 'fetching user')
      return { id: req.params.id }
    })
  })
  app.post('/orders', async (req, reply) => {
    log.info({ total: req.body.total }, 'order placed')
    reply.code(202)
    return 'ok'
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const port = app.server.address().port

  const [u, o, missing] = await Promise.all([
    request(port, { path: '/users/7?x=1', headers: { 'x-request-id': 'fy-1', cookie: 'a=b' } }),
    request(port, { method: 'POST', path: '/orders', headers: { 'content-type': 'application/json', traceparent: TRACEPARENT }, body: '{"total":12.5}' }),
    request(port, { path: '/nowhere' })
  ])
  assert.deepEqual([u.status, o.status, missing.status], [200, 202, 404])
  assert.equal(u.headers['x-request-id'], 'fy-1')
  assert.equal(o.headers['x-request-id'], TRACE)
  assert.match(missing.headers['x-request-id'], UUID)

  const got = byRequest(await records(log))
  const user = got.get('fy-1')
  assert.equal(user.access.length, 1)
  assert.equal(user.access[0].route, '/users/:id')
  assert.equal(user.access[0].path, '/users/7')
  assert.deepEqual(user.access[0].headers, { cookie: '[REDACTED]' })
  assert.deepEqual(user.inner.map((r) => r.msg), ['scoped hook', 'fetching user'])

  const order = got.get(TRACE)
  assert.equal(order.access[0].route, '/orders')
  assert.equal(order.access[0].status, 202)
  assert.equal(order.access[0].req_bytes, 14)
  assert.equal(order.access[0].res_bytes, 2)
  assert.deepEqual(order.access[0].headers, { 'content-type': 'application/json' })
  assert.deepEqual(order.inner.map((r) => [r.msg, r.total]), [['order placed', 12.5]], 'the body-parsed handler kept its context')

  const nf = got.get(missing.headers['x-request-id'])
  assert.equal(nf.access[0].status, 404)
  assert.equal('route' in nf.access[0], false)
  await log.close()
})
