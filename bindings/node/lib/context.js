'use strict'

// Correlation context: fields kept in AsyncLocalStorage, so they follow the
// code that runs inside a scope across awaits, timers, promises and event
// emitters created there. Each scope's fields are encoded once, when the
// scope is entered, into a native context that every log call inside it
// hands over as it is. The context belongs to the caller, not to a logger:
// every logger writes it.

const { AsyncLocalStorage } = require('node:async_hooks')
const { NativeContext } = require('./native.js')
const { Encoder } = require('./encode.js')

const storage = new AsyncLocalStorage()
const encoder = new Encoder(1024)

/** What a scope stores: its native context and the merged fields. */
class Scope {
  constructor (native, fields) {
    this.native = native
    // The number the native side knows the context by, read once.
    this.id = native.id
    this.fields = fields
  }
}

function scopeFor (fields) {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new TypeError('withContext: fields must be an object, such as { requestId }')
  }
  const outer = storage.getStore()
  encoder.pos = 0
  encoder.fields(0, fields)
  const native = NativeContext.fromEncoded(encoder.buf.subarray(0, encoder.pos), outer?.native)
  return new Scope(native, Object.freeze({ ...outer?.fields, ...fields }))
}

/**
 * Runs `fn(...args)` with `fields` added to the current context and returns
 * what it returns (a Promise stays a Promise). Nested scopes extend the
 * outer one; an inner key wins over the same outer key.
 */
function withContext (fields, fn, ...args) {
  if (typeof fn !== 'function') throw new TypeError('withContext: fn must be a function')
  return storage.run(scopeFor(fields), fn, ...args)
}

/** The fields of the current context, merged over every open scope. */
function currentContext () {
  const scope = storage.getStore()
  return scope === undefined ? {} : { ...scope.fields }
}

/** The current scope, or undefined outside any. For the log calls. */
function currentScope () {
  return storage.getStore()
}

module.exports = { withContext, currentContext, currentScope, scopeFor, storage }
