'use strict'

// Runs every contender in its own child process, one after another,
// verifies each output file line by line, and prints a table with ratios
// against pino's best end-to-end rate. Usage:
//
//   node bench/compare.js            # N = 1,000,000
//   N=200000 REPEAT=3 node bench/compare.js
//   ONLY=asynclog,pino-sync node bench/compare.js
//
// With REPEAT > 1 the best run of each contender (highest end-to-end
// rate) is reported. Results are also written as JSON to bench/results/.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const N = Number(process.env.N || 1000000)
const REPEAT = Number(process.env.REPEAT || 1)
const ALL = ['asynclog', 'pino-async', 'pino-sync', 'pino-transport', 'winston']
const ONLY = process.env.ONLY ? process.env.ONLY.split(',') : ALL
const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR || os.tmpdir(), 'asynclog-bench-'))

/**
 * Reads every line of `file`: counts them, parses each as JSON, and checks
 * that the user_ids are exactly 0..N-1 and that msg, path and latency_ms
 * are right. Returns the count of good lines and the first problem.
 */
function verify (file) {
  const text = fs.readFileSync(file, 'utf8')
  const seen = new Uint8Array(N)
  let good = 0
  let lines = 0
  let problem = null
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const line = text.slice(start, end)
    start = end + 1
    lines++
    let r
    try {
      r = JSON.parse(line)
    } catch {
      problem ??= `line ${lines} is not JSON`
      continue
    }
    const id = r.user_id
    const ok = Number.isInteger(id) && id >= 0 && id < N && seen[id] === 0 &&
      (r.msg ?? r.message) === 'request handled' && r.path === '/api/v1/items' &&
      r.latency_ms === 12.5 + (id % 7)
    if (!ok) {
      problem ??= `line ${lines} is wrong: ${line.slice(0, 200)}`
      continue
    }
    seen[id] = 1
    good++
  }
  if (good !== N) problem ??= `${N - good} events missing`
  return { lines, good, problem, bytes: Buffer.byteLength(text) }
}

function runOnce (name, round) {
  const file = path.join(dir, `${name}-${round}.log`)
  const out = execFileSync(process.execPath, [path.join(__dirname, 'contender.js'), name, file, String(N)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20
  })
  const last = out.trim().split('\n').pop()
  if (!last) throw new Error(`${name}: the contender printed no result (did its end() settle?)`)
  const r = JSON.parse(last)
  r.verified = verify(file)
  fs.rmSync(file, { force: true })
  return r
}

function machine () {
  const cpus = os.cpus()
  return {
    cpu_model: cpus[0]?.model,
    nproc: cpus.length,
    mem_total_mib: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    load_average: os.loadavg().map((x) => x.toFixed(2)).join(' ')
  }
}

function versions () {
  const v = (p) => { try { return require(`${p}/package.json`).version } catch { return null } }
  return { asynclog: require('../package.json').version, pino: v('pino'), winston: v('winston') }
}

function main () {
  const before = machine()
  const results = []
  for (const name of ONLY) {
    let best = null
    for (let round = 1; round <= REPEAT; round++) {
      const r = runOnce(name, round)
      process.stderr.write(`${name} #${round}: ${(N / r.elapsed_s / 1e6).toFixed(3)} M events/s end to end, ` +
        `peak RSS ${(r.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB, ${r.verified.good}/${N} lines verified\n`)
      if (best === null || r.elapsed_s < best.elapsed_s) best = r
    }
    results.push(best)
  }
  const pinos = results.filter((r) => r.name.startsWith('pino'))
  const pinoBest = pinos.length ? Math.max(...pinos.map((r) => N / r.elapsed_s)) : null
  const rows = results.map((r) => {
    const rate = N / r.elapsed_s
    return {
      library: r.name,
      'M events/s': (rate / 1e6).toFixed(3),
      'vs pino best': pinoBest ? `${(rate / pinoBest).toFixed(2)}x` : '-',
      'µs/call': (r.calls_s / N * 1e6).toFixed(3),
      'end to end s': r.elapsed_s.toFixed(2),
      'CPU s': r.cpu_s.toFixed(2),
      'peak RSS MiB': (r.peak_rss_bytes / 2 ** 20).toFixed(0),
      verified: r.verified.problem ? `${r.verified.good}/${N}: ${r.verified.problem}` : `${r.verified.good}/${N}`
    }
  })
  console.log(`N = ${N}, best of ${REPEAT}; ${before.nproc} CPUs (${before.cpu_model}), node ${before.node}, load before ${before.load_average}`)
  console.table(rows)

  const day = new Date().toISOString().slice(0, 10)
  const out = path.join(__dirname, 'results', `${day}-${os.hostname()}.json`)
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify({
    command: `N=${N} REPEAT=${REPEAT} bench/run.sh`,
    date: new Date().toISOString(),
    machine: { ...before, load_after: machine().load_average },
    versions: versions(),
    workload: 'INFO "request handled" with user_id (incrementing), path "/api/v1/items", latency_ms (12.5 + i % 7); NDJSON to a file',
    results,
    table: rows
  }, null, 2) + '\n')
  console.log(`results written to ${path.relative(process.cwd(), out)}`)
  fs.rmSync(dir, { recursive: true, force: true })
  if (results.some((r) => r.verified.problem)) process.exitCode = 1
}

main()
