// Compiled (not run) by types_describe_the_public_api.test.js: the calls
// the README documents must type-check against lib/asynclog.d.ts, and the
// lines marked @ts-expect-error must not.
import * as http from 'node:http'
import { createLogger, withContext, currentContext, httpLogger, wrapHandler, fastifyPlugin, parseTraceparent, LEVELS } from '../../lib/asynclog'

async function main (): Promise<void> {
  const log = createLogger({ level: 'debug', sinks: [{ type: 'capture', name: 'mem' }] }, { handleExit: true, exitTimeoutMs: 100 })
  log.info('message')
  log.info({ user_id: 7 }, 'object first')
  log.warn('message first', { path: '/x' })
  log.error(new Error('boom'))
  log.audit({ actor: 'u' }, 'deleted')
  const child = log.child({ service: 'api' }, { name: 'db' })
  child.level = 'warn'
  const level: string = child.level
  const enabled: boolean = log.isLevelEnabled('security')
  await log.flush(1000)
  const unwritten: number = await log.close()
  const lines: string[] = log.capture('mem').lines()
  const submitted: number = log.metrics().submitted
  const n: number = withContext({ requestId: 'r' }, (a: number) => a + 1, 1)
  const p: Promise<string> = withContext({ requestId: 'r' }, async () => 'done')
  const ctx = currentContext()
  http.createServer(wrapHandler(log, (req, res) => { res.end() }, { headers: ['user-agent'] }))
  const mw = httpLogger(log, { redact: ['x-secret'], levelFor: (s) => (s >= 500 ? 'error' : 'info') })
  const plugin = fastifyPlugin(log)
  const tp = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
  const info: number = LEVELS.info
  void [level, enabled, unwritten, lines, submitted, n, p, ctx, mw, plugin, tp?.traceId, info]

  // @ts-expect-error: not a level
  log.level = 'verbose'
  // @ts-expect-error: bindings must be an object
  log.child('service')
  // @ts-expect-error: options are an object
  createLogger(undefined, true)
}

void main
