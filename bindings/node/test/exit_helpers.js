'use strict'

const { spawn } = require('node:child_process')
const path = require('node:path')

const CHILD = path.join(__dirname, 'fixtures', 'exit-child.js')

/**
 * Runs the exit fixture; `signal` is sent once it prints "ready".
 * Resolves with its exit code, signal, stdout and stderr.
 */
function runChild (mode, file, n, signal) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, mode, file, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      if (signal && stdout.includes('ready\n')) child.kill(signal)
    })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('error', reject)
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }))
  })
}

module.exports = { runChild }
