// Entry point of a browser scenario, run by the JUnit browser tests:
//   node run.mjs <scenario> --port <switchboard port> [--password <p>] [--page-port N] [--port2 <second node's port>] [--signal-query "?token=…"] [--expect-refused 1] [--timeout-ms N] [--tls-spki <base64 SHA-256 of the node certificate's public key>]
// It bridges the Switchboard port into a fresh network namespace that has only loopback (so Chromium can
// only ever pair 127.0.0.1 candidates), runs the scenario in there, and exits 0 on success. The last line of
// output is a JSON object with the result. Needs root (unshare) and Debian's chromium.
import { spawn } from 'node:child_process'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const scenario = args[0]
const opt = (name, dflt) => {
  const i = args.indexOf('--' + name)
  return i >= 0 ? args[i + 1] : dflt
}
const port = Number(opt('port'))
const timeoutMs = Number(opt('timeout-ms', '300000'))
if (!scenario || !port) {
  console.error('usage: node run.mjs <scenario> --port N [--password P] [--page-port N] [--signal-query Q] [--expect-refused 1] [--timeout-ms N]')
  process.exit(2)
}

// Outside the namespace: a unix socket that forwards to the node's TCP port on the host's loopback.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-browser-'))
const sock = path.join(dir, 'signal.sock')
const bridge = net.createServer((inner) => {
  const outer = net.connect(port, '127.0.0.1')
  inner.pipe(outer).pipe(inner)
  const end = () => { inner.destroy(); outer.destroy() }
  inner.on('error', end)
  outer.on('error', end)
})
await new Promise((resolve) => bridge.listen(sock, resolve))
// --port2: a second node, bridged the same way (a scenario across two nodes of a cluster)
const port2 = Number(opt('port2', '0'))
const sock2 = path.join(dir, 'signal2.sock')
const bridge2 = port2 ? net.createServer((inner) => {
  const outer = net.connect(port2, '127.0.0.1')
  inner.pipe(outer).pipe(inner)
  const end = () => { inner.destroy(); outer.destroy() }
  inner.on('error', end)
  outer.on('error', end)
}) : null
if (bridge2) await new Promise((resolve) => bridge2.listen(sock2, resolve))

const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath,
  path.join(here, 'inner.mjs'), scenario, '--sock', sock, ...(bridge2 ? ['--sock2', sock2] : []), ...args.slice(1)], { stdio: 'inherit' })
const timer = setTimeout(() => {
  console.error(`scenario ${scenario} timed out after ${timeoutMs} ms`)
  child.kill('SIGKILL')
}, timeoutMs + 10000)
child.on('exit', (code, signal) => {
  clearTimeout(timer)
  bridge.close()
  if (bridge2) bridge2.close()
  fs.rmSync(dir, { recursive: true, force: true })
  process.exit(code ?? (signal ? 1 : 0))
})
