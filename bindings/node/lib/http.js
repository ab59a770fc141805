'use strict'

// Request logging for node:http, Express and Fastify.
//
// Each request gets an id: the incoming x-request-id when it is a sane
// token, else the trace id of a valid W3C traceparent, else a fresh
// crypto.randomUUID(). The id is echoed on the response as x-request-id.
// Everything the handler runs (across awaits, timers and promises) runs in
// a context holding request_id, and trace_id and span_id when a
// traceparent came in, so every record logged there carries them. When
// the response finishes (or the client goes away), one record is logged
// with method, path, route (when the framework knows it), status,
// duration_ms, req_bytes, res_bytes and the request headers named in the
// allowlist. Credentials are redacted even when allowlisted.

const { randomUUID } = require('node:crypto')
const { storage, scopeFor } = require('./context.js')

/** Headers whose values are never logged, whatever the allowlist says. */
const ALWAYS_REDACTED = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token'
])

/** Names that look like credentials are redacted too. */
const SECRET_NAME = /(auth|token|secret|passw|api[-_]?key|session|cookie|credential)/i

const REDACTED = '[REDACTED]'

const DEFAULT_HEADERS = ['user-agent', 'content-type', 'accept', 'x-forwarded-for']

/** What an incoming x-request-id may look like to be kept as it is. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/**
 * The parts of a W3C traceparent header, or null when it is malformed:
 * not lowercase hex, the wrong lengths, version ff, an all-zero trace or
 * parent id, or trailing data on version 00.
 */
function parseTraceparent (value) {
  if (typeof value !== 'string') return null
  const m = TRACEPARENT.exec(value.trim())
  if (m === null) return null
  const [, version, traceId, spanId, flags, rest] = m
  if (version === 'ff') return null
  if (version === '00' && rest !== undefined) return null
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null
  return { version, traceId, spanId, flags }
}

function headerValue (v) {
  return Array.isArray(v) ? v.join(', ') : v
}

function isRedacted (name, extra) {
  return ALWAYS_REDACTED.has(name) || SECRET_NAME.test(name) || extra.has(name)
}

function options (opts = {}) {
  const allow = (opts.headers ?? DEFAULT_HEADERS).map((h) => String(h).toLowerCase())
  return {
    allow,
    redact: new Set((opts.redact ?? []).map((h) => String(h).toLowerCase())),
    generateId: opts.generateId ?? randomUUID,
    message: opts.message ?? 'request completed',
    levelFor: opts.levelFor ?? ((status) => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'))
  }
}

/** The allowlisted request headers, credentials redacted. */
function pickHeaders (headers, o) {
  let out
  for (const name of o.allow) {
    const v = headers[name]
    if (v === undefined) continue
    if (out === undefined) out = {}
    out[name] = isRedacted(name, o.redact) ? REDACTED : headerValue(v)
  }
  return out
}

/** Counts the bytes of a request body as the parser hands them over. */
function countRequestBytes (req) {
  const counter = { n: 0 }
  const push = req.push
  req.push = function (chunk, encoding) {
    if (chunk != null) counter.n += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length
    return push.call(this, chunk, encoding)
  }
  return counter
}

/** Counts the body bytes written to a response. */
function countResponseBytes (res) {
  const counter = { n: 0 }
  const write = res.write
  const end = res.end
  const add = (chunk, encoding) => {
    if (chunk == null || typeof chunk === 'function') return
    counter.n += typeof chunk === 'string'
      ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8')
      : chunk.length
  }
  res.write = function (chunk, encoding, cb) {
    add(chunk, encoding)
    return write.call(this, chunk, encoding, cb)
  }
  res.end = function (chunk, encoding, cb) {
    add(chunk, encoding)
    return end.call(this, chunk, encoding, cb)
  }
  return counter
}

/**
 * Starts tracking one request: picks its id, sets the response header,
 * and arranges for the record at the end. Returns the context scope the
 * handler must run in.
 */
function begin (logger, o, req, res, routeOf) {
  const started = process.hrtime.bigint()
  const headers = req.headers
  const trace = parseTraceparent(headerValue(headers.traceparent))
  const incoming = headerValue(headers['x-request-id'])
  let requestId
  if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) requestId = incoming
  else if (trace !== null) requestId = trace.traceId
  else requestId = String(o.generateId())

  const fields = { request_id: requestId }
  if (trace !== null) {
    fields.trace_id = trace.traceId
    fields.span_id = trace.spanId
  }
  const scope = storage.run(undefined, () => scopeFor(fields))
  if (!res.headersSent) res.setHeader('x-request-id', requestId)

  const method = req.method
  const url = req.originalUrl ?? req.url ?? ''
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const reqBytes = countRequestBytes(req)
  const resBytes = countResponseBytes(res)

  let done = false
  const finish = (aborted) => {
    if (done) return
    done = true
    const status = res.statusCode
    const record = {
      method,
      path,
      route: routeOf(),
      status,
      duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
      req_bytes: reqBytes.n,
      res_bytes: resBytes.n
    }
    if (record.route === undefined) delete record.route
    const picked = pickHeaders(headers, o)
    if (picked !== undefined) record.headers = picked
    if (aborted) record.aborted = true
    storage.run(scope, () => logger[o.levelFor(status)](record, o.message))
  }
  res.once('finish', () => finish(false))
  res.once('close', () => finish(!res.writableFinished))
  return scope
}

/**
 * Express (or Connect) middleware: `app.use(httpLogger(log))`. Also works
 * with node:http as `middleware(req, res, () => handler(req, res))`.
 * Options: `headers` (allowlist of request headers to log, lower case),
 * `redact` (more header names to redact), `generateId`, `message`,
 * `levelFor(status)`.
 */
function httpLogger (logger, opts) {
  const o = options(opts)
  return function asynclogHttp (req, res, next) {
    const routeOf = () => (req.route && typeof req.route.path === 'string'
      ? (req.baseUrl ?? '') + req.route.path
      : undefined)
    const scope = begin(logger, o, req, res, routeOf)
    if (req.id === undefined) req.id = scope.fields.request_id
    storage.run(scope, next)
  }
}

/** A node:http request listener that logs each request and runs `handler` in its context. */
function wrapHandler (logger, handler, opts) {
  const o = options(opts)
  return function asynclogHandler (req, res) {
    const scope = begin(logger, o, req, res, () => undefined)
    if (req.id === undefined) req.id = scope.fields.request_id
    return storage.run(scope, handler, req, res)
  }
}

const kScope = Symbol('asynclog.scope')

/**
 * A Fastify plugin: `app.register(fastifyPlugin(log, opts))`. It applies
 * to the whole application (not only the plugin's own scope). The route
 * is `request.routeOptions.url`. The hooks re-enter the request's context
 * after body parsing, so handlers and later hooks run inside it.
 */
function fastifyPlugin (logger, opts) {
  const o = options(opts)
  function reenter (request, reply, done) {
    const scope = request[kScope]
    if (scope === undefined) done()
    else storage.run(scope, done)
  }
  async function asynclogFastify (fastify) {
    fastify.addHook('onRequest', (request, reply, done) => {
      const routeOf = () => request.routeOptions?.url
      const scope = begin(logger, o, request.raw, reply.raw, routeOf)
      request[kScope] = scope
      storage.run(scope, done)
    })
    fastify.addHook('preValidation', reenter)
    fastify.addHook('preHandler', reenter)
  }
  // What fastify-plugin sets: register the hooks on the parent instance.
  asynclogFastify[Symbol.for('skip-override')] = true
  asynclogFastify[Symbol.for('fastify.display-name')] = 'asynclog'
  return asynclogFastify
}

module.exports = { httpLogger, wrapHandler, fastifyPlugin, parseTraceparent, ALWAYS_REDACTED }
