'use strict'

// Measures how an event's fields are best handed to the native side, on
// the benchmark's workload (user_id, path, latency_ms):
//
//   object:     the fields object itself; native code reads every property
//               and value with napi calls (logObject)
//   json:       JSON.stringify in JavaScript, serde_json parse in native
//               code (logJson)
//   tlv-arg:    the field encoding written in JavaScript into a reused
//               Buffer, passed with the call with its offsets (logBuffer)
//   tlv-emit:   the same encoding into a Buffer registered once, with a
//               header naming logger, context and level: a call without
//               arguments (Logger.info, the path the binding uses)
//
// Each variant runs in this process against its own logger writing NDJSON
// to a file; reported is the time per call on the producing thread, which
// is what the encoding changes. Usage: node bench/encoding.js [N]

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createLogger } = require('..')
const native = require('../index.js')
const { Encoder } = require('../lib/encode.js')

const enc = new Encoder()

const N = Number(process.argv[2] || process.env.N || 300000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asynclog-enc-'))

function logger (name) {
  return createLogger({
    sinks: [{ type: 'file', path: path.join(dir, `${name}.log`) }]
  }, { handleExit: false })
}

const variants = {
  object (log, i) {
    native.logObject(log._id, 0, 2, 'request handled', {
      user_id: i, path: '/api/v1/items', latency_ms: 12.5 + (i % 7)
    })
  },
  json (log, i) {
    native.logJson(log._id, 0, 2, 'request handled', JSON.stringify({
      user_id: i, path: '/api/v1/items', latency_ms: 12.5 + (i % 7)
    }))
  },
  'tlv-arg' (log, i) {
    const m = enc.begin('request handled')
    enc.fields(m, { user_id: i, path: '/api/v1/items', latency_ms: 12.5 + (i % 7) })
    native.logBuffer(log._id, 0, 2, enc.buf, m, enc.pos)
  },
  'tlv-emit' (log, i) {
    log.info({ user_id: i, path: '/api/v1/items', latency_ms: 12.5 + (i % 7) }, 'request handled')
  }
}

async function run (name, fn) {
  const log = logger(name)
  for (let i = 0; i < 20000; i++) fn(log, i) // warm up
  await log.flush()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn(log, i)
  const t1 = process.hrtime.bigint()
  await log.close()
  const lines = fs.readFileSync(path.join(dir, `${name}.log`), 'utf8').split('\n').length - 1
  return { ns: Number(t1 - t0) / N, lines }
}

async function main () {
  const ROUNDS = Number(process.env.ROUNDS || 5)
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  // Rounds interleave the variants so that a noisy neighbour hurts all.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      const r = await run(`${name}-${round}`, fn)
      if (r.lines !== N + 20000) throw new Error(`${name}: ${r.lines} lines, expected ${N + 20000}`)
      times[name].push(r.ns)
    }
  }
  const rows = Object.entries(times).map(([name, ns]) => {
    ns.sort((a, b) => a - b)
    const best = ns[0]
    const median = ns[Math.floor(ns.length / 2)]
    return { encoding: name, 'best ns/call': best.toFixed(0), 'median ns/call': median.toFixed(0), 'M calls/s (best)': (1000 / best).toFixed(2) }
  })
  console.log(`N = ${N} per variant and round, ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  console.table(rows)
  fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((e) => { console.error(e); process.exit(1) })
