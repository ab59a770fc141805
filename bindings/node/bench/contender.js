'use strict'

// One library, one run, in a process of its own (so that its peak RSS is
// its own): logs the workload to FILE and reports timings as JSON on
// stdout. Usage: node contender.js NAME FILE N
//
// The workload is the core benchmark's: INFO "request handled" with
// user_id (incrementing), path "/api/v1/items" and latency_ms
// (12.5 + i % 7), NDJSON to a file. The clock starts before the first
// call and stops once the library says everything is flushed and closed.

const fs = require('node:fs')

const [name, file, count] = process.argv.slice(2)
const N = Number(count)
const PATH = '/api/v1/items'

function peakRssBytes () {
  const status = fs.readFileSync('/proc/self/status', 'utf8')
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status)
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024
}

const contenders = {
  async asynclog () {
    const { createLogger } = require('..')
    const log = createLogger({ sinks: [{ type: 'file', path: file }] }, { handleExit: false })
    return {
      loop () {
        for (let i = 0; i < N; i++) {
          log.info({ user_id: i, path: PATH, latency_ms: 12.5 + (i % 7) }, 'request handled')
        }
      },
      async end () {
        const unwritten = await log.close(60000)
        if (unwritten !== 0) throw new Error(`${unwritten} events not written`)
      }
    }
  },

  async 'pino-async' () {
    const pino = require('pino')
    const dest = pino.destination({ dest: file, sync: false })
    const log = pino(dest)
    return {
      loop () {
        for (let i = 0; i < N; i++) {
          log.info({ user_id: i, path: PATH, latency_ms: 12.5 + (i % 7) }, 'request handled')
        }
      },
      end () {
        return new Promise((resolve, reject) => {
          dest.once('close', resolve)
          dest.once('error', reject)
          dest.end()
        })
      }
    }
  },

  async 'pino-sync' () {
    const pino = require('pino')
    const dest = pino.destination({ dest: file, sync: true })
    const log = pino(dest)
    return {
      loop () {
        for (let i = 0; i < N; i++) {
          log.info({ user_id: i, path: PATH, latency_ms: 12.5 + (i % 7) }, 'request handled')
        }
      },
      end () {
        return new Promise((resolve, reject) => {
          dest.once('close', resolve)
          dest.once('error', reject)
          dest.end()
        })
      }
    }
  },

  async 'pino-transport' () {
    const pino = require('pino')
    const transport = pino.transport({ target: 'pino/file', options: { destination: file } })
    await new Promise((resolve) => transport.once('ready', resolve))
    const log = pino(transport)
    return {
      loop () {
        for (let i = 0; i < N; i++) {
          log.info({ user_id: i, path: PATH, latency_ms: 12.5 + (i % 7) }, 'request handled')
        }
      },
      end () {
        // end() hands the rest to the worker thread; the file is complete
        // once that thread, which owns the file, has closed it and exited.
        // The worker is unref'd: keep the process alive until then.
        return new Promise((resolve, reject) => {
          transport.worker.ref()
          transport.worker.once('exit', resolve)
          transport.once('error', reject)
          transport.end()
        })
      }
    }
  },

  async winston () {
    const winston = require('winston')
    const fileTransport = new winston.transports.File({ filename: file })
    const log = winston.createLogger({
      level: 'info',
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [fileTransport]
    })
    return {
      loop () {
        for (let i = 0; i < N; i++) {
          log.info('request handled', { user_id: i, path: PATH, latency_ms: 12.5 + (i % 7) })
        }
      },
      end () {
        return new Promise((resolve, reject) => {
          fileTransport.once('finish', resolve)
          log.once('error', reject)
          log.end()
        })
      }
    }
  }
}

async function main () {
  const make = contenders[name]
  if (!make) throw new Error(`unknown contender ${name}; expected one of ${Object.keys(contenders).join(', ')}`)
  const run = await make()
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  run.loop()
  const t1 = process.hrtime.bigint()
  await run.end()
  const t2 = process.hrtime.bigint()
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(JSON.stringify({
    name,
    events: N,
    calls_s: Number(t1 - t0) / 1e9,
    elapsed_s: Number(t2 - t0) / 1e9,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    peak_rss_bytes: peakRssBytes()
  }) + '\n')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
