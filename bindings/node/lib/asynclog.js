'use strict'

// asynclog for Node.js: a pino-like logger over the asynclog Rust core.
//
//   const { createLogger, withContext } = require('asynclog')
//   const log = createLogger()                 // NDJSON to stdout at INFO
//   log.info({ user_id: 7 }, 'request handled')
//   withContext({ requestId }, () => log.info('inside'))
//   await log.flush()

const { createLogger, Logger, LEVELS } = require('./logger.js')
const { withContext, currentContext } = require('./context.js')
const http = require('./http.js')

module.exports = {
  createLogger,
  Logger,
  LEVELS,
  withContext,
  currentContext,
  httpLogger: http.httpLogger,
  wrapHandler: http.wrapHandler,
  fastifyPlugin: http.fastifyPlugin,
  parseTraceparent: http.parseTraceparent
}
