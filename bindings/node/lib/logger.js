'use strict'

const { NativeLogger, emit, logBuffer, setScratch } = require('./native.js')
const { Encoder } = require('./encode.js')
const { currentScope } = require('./context.js')
const exit = require('./exit.js')

/** Level names and the core's numbers for them. */
const LEVELS = Object.freeze({
  trace: 0,
  debug: 1,
  info: 2,
  warn: 3,
  error: 4,
  fatal: 5,
  audit: 6,
  security: 7
})
const NAMES = Object.keys(LEVELS)

/** Levels that pass every filter. */
const CATEGORY = 6

function levelNumber (level) {
  if (typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 5) {
    return level
  }
  const n = typeof level === 'string' ? LEVELS[level.toLowerCase()] : undefined
  if (n === undefined || n >= CATEGORY) {
    throw new RangeError(
      `unknown level ${JSON.stringify(level)}; expected one of trace, debug, info, warn, error, fatal`
    )
  }
  return n
}

// One encoder serves every logger on this thread; its buffer is the
// native side's scratch buffer, with a header of five u32 before the
// message: logger id, context id (0 for none), level, message bytes,
// field bytes. A value whose toJSON or getter logs while its event is
// being encoded gets an encoder of its own, passed with the call.
const HEADER = 20
const shared = new Encoder(16 * 1024, HEADER, setScratch)
setScratch(shared.buf)
let sharedBusy = false

/** A configuration as the core's JSON text, or undefined for the default. */
function configText (config) {
  if (config === undefined || config === null) return undefined
  if (typeof config === 'string') return config
  if (typeof config === 'object') return JSON.stringify(config)
  throw new TypeError('createLogger: config must be an object, a JSON or TOML string, or undefined')
}

/**
 * State shared by a root logger and all its children: the native root,
 * whether it is closed, and whether anything was logged since the last
 * flush (so the beforeExit drain runs only when there is something to do).
 */
class Root {
  constructor (native, options) {
    this.native = native
    this.closed = false
    this.dirty = false
    this.exitTimeoutMs = options.exitTimeoutMs ?? 5000
    // Events below the level, filtered here without a native call; added
    // to the core's counts in metrics().
    this.filtered = 0
    // The encoder's limits, read once: getters are napi calls.
    this.maxMessageBytes = native.maxMessageBytes
    this.maxDepth = native.maxDepth
  }
}

class Logger {
  /** Use createLogger(); this constructor is internal. */
  constructor (native, root, levelBox, bindings) {
    this._native = native
    this._id = native.id
    this._root = root
    // This handle's level, mirrored for filtering without a native call;
    // every child gets a level of its own, as in pino.
    this._lv = levelBox
    this._bindings = bindings
  }

  /** The minimum level's name: 'trace' ... 'fatal'. */
  get level () {
    return NAMES[this._native.level()]
  }

  set level (level) {
    const n = levelNumber(level)
    this._native.setLevel(n)
    this._lv.n = n
  }

  /** True when an event at `level` would be logged. */
  isLevelEnabled (level) {
    const n = typeof level === 'string' ? LEVELS[level.toLowerCase()] : undefined
    if (n === undefined) return false
    return this._native.isEnabled(n)
  }

  /** The fields this logger adds to every record. */
  bindings () {
    return { ...this._bindings }
  }

  /**
   * A child logger adding `bindings` to every record. It shares this
   * logger's queue and sinks, and starts at its level, which it then keeps
   * as its own: setting either one's level leaves the other alone. With
   * `options.name` it writes that name in the `logger` key and starts at
   * the level configured for it under `loggers`, if any.
   */
  child (bindings, options) {
    if (bindings === null || typeof bindings !== 'object') {
      throw new TypeError('child: bindings must be an object')
    }
    let native = this._native
    if (options && options.name !== undefined) {
      native = native.named(String(options.name))
    }
    const enc = new Encoder(1024)
    enc.configure(this._root.maxMessageBytes, this._root.maxDepth)
    enc.fields(0, bindings)
    native = native.child(enc.buf, enc.pos).withOwnLevel()
    const box = { n: native.level() }
    return new Logger(native, this._root, box, { ...this._bindings, ...bindings })
  }

  _write (level, a, b) {
    let message
    let fields
    if (typeof a === 'string') {
      message = a
      if (b !== undefined) fields = typeof b === 'object' && b !== null ? b : { value: b }
    } else if (typeof a === 'object' && a !== null) {
      fields = a
      if (typeof b === 'string') message = b
      else if (b !== undefined) message = String(b)
      else message = a instanceof Error ? String(a.message) : ''
    } else {
      message = a === undefined ? '' : String(a)
    }
    if (sharedBusy) {
      this._writeNested(level, message, fields)
      return
    }
    sharedBusy = true
    const enc = shared
    try {
      const root = this._root
      enc.configure(root.maxMessageBytes, root.maxDepth)
      const msgEnd = enc.begin(message)
      if (fields !== undefined) enc.fields(msgEnd, fields)
      const scope = currentScope()
      root.dirty = true
      const v = enc.view
      v.setUint32(0, this._id, true)
      v.setUint32(4, scope === undefined ? 0 : scope.id, true)
      v.setUint32(8, level, true)
      v.setUint32(12, msgEnd - HEADER, true)
      v.setUint32(16, enc.pos - msgEnd, true)
      emit()
    } finally {
      sharedBusy = false
    }
  }

  /** An event logged while another one is being encoded. */
  _writeNested (level, message, fields) {
    const root = this._root
    const enc = new Encoder(1024)
    enc.configure(root.maxMessageBytes, root.maxDepth)
    const msgEnd = enc.begin(message)
    if (fields !== undefined) enc.fields(msgEnd, fields)
    const scope = currentScope()
    root.dirty = true
    logBuffer(this._id, scope === undefined ? 0 : scope.id, level, enc.buf, msgEnd, enc.pos)
  }

  /**
   * Resolves once everything logged before the call is written by every
   * sink. Rejects if `timeoutMs` passes first; the error's `pending` says
   * how many events were still unwritten. Never blocks the event loop.
   */
  async flush (timeoutMs = 30000) {
    this._root.dirty = false
    const pending = await this._native.flush(timeoutMs)
    if (pending > 0) {
      const err = new Error(`asynclog: flush timed out with ${pending} events not yet written`)
      err.code = 'ERR_ASYNCLOG_FLUSH_TIMEOUT'
      err.pending = pending
      throw err
    }
  }

  /**
   * Stops accepting events, drains every sink and stops the logger's
   * threads. Resolves with the number of events not written within
   * `timeoutMs` (0 when all were). Events logged afterwards are dropped
   * and counted as `closed`. Closing any logger of a family closes all.
   */
  async close (timeoutMs = 5000) {
    const root = this._root
    root.closed = true
    exit.forget(root)
    return this._native.close(timeoutMs)
  }

  /** Every counter of the logger and its sinks (see the core's metrics). */
  metrics () {
    const m = JSON.parse(this._native.metricsJson())
    m.submitted += this._root.filtered
    m.filtered += this._root.filtered
    return m
  }

  /**
   * A reader for the capture sink `name` (configured as
   * `{"type": "capture", "name": ...}`), for tests. Lines appear once
   * written: await flush() first.
   */
  capture (name) {
    const native = this._native
    if (native.captureLines(name) === null) {
      throw new Error(`asynclog: the configuration has no capture sink named ${JSON.stringify(name)}`)
    }
    return {
      lines: () => native.captureLines(name),
      records: () => native.captureLines(name).map((line) => JSON.parse(line)),
      clear: () => {
        native.captureClear(name)
      },
      // Writes wait while paused: for tests of events not yet written.
      pause: () => {
        native.capturePause(name)
      },
      resume: () => {
        native.captureResume(name)
      }
    }
  }
}

for (const name of NAMES) {
  const n = LEVELS[name]
  const method = n >= CATEGORY
    ? function (a, b) { this._write(n, a, b) }
    : function (a, b) {
      if (n >= this._lv.n) this._write(n, a, b)
      else this._root.filtered++
    }
  Object.defineProperty(method, 'name', { value: name })
  Logger.prototype[name] = method
}

/**
 * Creates a logger. `config` is the core's configuration, as an object or
 * a JSON or TOML text; without it, NDJSON goes to stdout at INFO. An
 * invalid configuration throws an error whose message names the path of
 * the bad value (`sinks[0].path: must be an absolute path`).
 *
 * Options: `handleExit` (default true) writes pending lines when the
 * process exits; `handleSignals` (default true) also does on SIGINT and
 * SIGTERM, then ends the process as the signal would have;
 * `exitTimeoutMs` (default 5000) bounds that drain.
 */
function createLogger (config, options = {}) {
  const text = configText(config)
  let native
  try {
    native = new NativeLogger(text)
  } catch (e) {
    const err = new Error(`asynclog: invalid configuration: ${e.message}`)
    err.code = 'ERR_ASYNCLOG_CONFIG'
    throw err
  }
  const root = new Root(native, options)
  const logger = new Logger(native, root, { n: native.level() }, {})
  if (options.handleExit !== false) exit.watch(root, options.handleSignals !== false)
  return logger
}

module.exports = { createLogger, Logger, LEVELS }
