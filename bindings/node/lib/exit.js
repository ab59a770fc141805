'use strict'

// Exit semantics. For every open logger created with handleExit (the
// default):
//
// - beforeExit: the loop ran dry; flush what was logged since the last
//   flush, without blocking (the flush keeps the loop alive until it
//   settles, and beforeExit fires again only if something new was logged).
// - exit: the loop has ended, so drain synchronously: close the logger,
//   waiting up to exitTimeoutMs. process.exit() and an uncaught exception
//   land here too. This listener keeps itself the last 'exit' listener
//   (moving itself behind each one added later, a microtask after), so
//   that lines the application logs in its own exit handlers are written.
// - SIGINT and SIGTERM (with handleSignals, the default): when this module
//   is the only listener, drain as on exit, then re-raise the signal with
//   its default action restored, so the process ends as the signal would
//   have ended it (exit status 128 + signal number). When the application
//   listens too, the signal is the application's to handle: only flush.
//
// Events that could not be written in time are reported on stderr, with
// the prefix "asynclog:", never through a logger.

const SIGNALS = ['SIGINT', 'SIGTERM']

const open = new Set()
let hooked = false
let signalsHooked = false

function report (count, when) {
  if (count > 0) {
    process.stderr.write(`asynclog: ${count} events not written ${when}\n`)
  }
}

function drainAll (when) {
  let lost = 0
  for (const root of open) {
    root.closed = true
    lost += root.native.closeSync(root.exitTimeoutMs)
  }
  open.clear()
  report(lost, when)
}

function onBeforeExit () {
  for (const root of open) {
    if (!root.dirty || root.closed) continue
    root.dirty = false
    root.native.flush(root.exitTimeoutMs).then((pending) => report(pending, 'before exit'))
  }
}

function onExit () {
  drainAll('at exit')
}

function onSignal (signal) {
  const others = process.listenerCount(signal) - 1
  if (others > 0) {
    let lost = 0
    for (const root of open) lost += root.native.flushSync(root.exitTimeoutMs)
    report(lost, `on ${signal}`)
    return
  }
  drainAll(`on ${signal}`)
  for (const s of SIGNALS) process.removeListener(s, onSignal)
  process.kill(process.pid, signal)
}

let moving = false

/** Puts onExit behind every other 'exit' listener. */
function moveLast () {
  moving = true
  process.removeListener('exit', onExit)
  process.on('exit', onExit)
  moving = false
}

function onNewListener (event) {
  if (event === 'exit' && !moving) queueMicrotask(moveLast)
}

/** Starts draining `root` at exit (and on signals when `signals`). */
function watch (root, signals) {
  open.add(root)
  if (!hooked) {
    hooked = true
    process.on('beforeExit', onBeforeExit)
    process.on('exit', onExit)
    process.on('newListener', onNewListener)
  }
  if (signals && !signalsHooked) {
    signalsHooked = true
    for (const s of SIGNALS) process.on(s, onSignal)
  }
}

/** Stops watching `root` (it was closed). */
function forget (root) {
  open.delete(root)
}

module.exports = { watch, forget }
