// Runs inside the loopback-only network namespace: recreates the Switchboard port on this namespace's
// 127.0.0.1 (relayed over the unix socket to the real node), serves the test pages, launches the browsers
// and runs the scenario. Everything it starts is stopped before it exits.
import net from 'node:net'
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const scenarioName = args[0]
const opt = (name, dflt) => {
  const i = args.indexOf('--' + name)
  return i >= 0 ? args[i + 1] : dflt
}
const sock = opt('sock')
const port = Number(opt('port'))
const timeoutMs = Number(opt('timeout-ms', '300000'))
// the pages' origin is http://127.0.0.1:<page-port>: a fixed one lets a test allow (or not) exactly that origin
const pagePort = Number(opt('page-port', '0'))
// appended to the signaling URL, e.g. "?token=…"
const signalQuery = opt('signal-query', '')
// with a node serving TLS: base64(SHA-256(SubjectPublicKeyInfo)) of its test certificate, which Chromium then
// trusts (that one key; every other check stays on), and the signaling URL is wss://
const tlsSpki = opt('tls-spki', '')

const CHROMIUM_FLAGS = [
  '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  ...(tlsSpki ? ['--ignore-certificate-errors-spki-list=' + tlsSpki] : [])
]

const cleanups = []
const fail = (message) => {
  console.log(JSON.stringify({ ok: false, scenario: scenarioName, error: message }))
  process.exitCode = 1
}

async function main () {
  // 1. the signaling port (and a second node's, with --port2), inside the namespace
  const recreate = async (listenPort, socketPath) => {
    const relay = net.createServer((client) => {
      const upstream = net.connect(socketPath)
      client.pipe(upstream).pipe(client)
      const end = () => { client.destroy(); upstream.destroy() }
      client.on('error', end)
      upstream.on('error', end)
    })
    await new Promise((resolve) => relay.listen(listenPort, '127.0.0.1', resolve))
    cleanups.push(() => relay.close())
  }
  await recreate(port, sock)
  if (opt('sock2')) await recreate(Number(opt('port2')), opt('sock2'))

  // 2. the page scripts, bundled for the browser
  const bundles = {}
  for (const entry of fs.readdirSync(path.join(here, 'pages')).filter((f) => f.endsWith('.js'))) {
    const result = await build({
      entryPoints: [path.join(here, 'pages', entry)], bundle: true, format: 'iife', write: false,
      platform: 'browser', logLevel: 'error'
    })
    bundles['/' + entry] = result.outputFiles[0].text
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    if (bundles[url.pathname]) {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(bundles[url.pathname])
    } else {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<!doctype html><meta charset="utf-8"><title>switchboard test</title><body></body>')
    }
  })
  await new Promise((resolve) => server.listen(pagePort, '127.0.0.1', resolve))
  cleanups.push(() => server.close())
  const origin = `http://127.0.0.1:${server.address().port}`

  // 3. browsers: each page in its own browser process, so nothing is shared but the network (a scenario that
  // runs several pairs of pages one after another may open each pair's pages in the same two browsers)
  const launchBrowser = async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS })
    cleanups.push(() => browser.close())
    return browser
  }
  const openPage = async (script, browser) => {
    const page = await (browser || await launchBrowser()).newPage()
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[page] ${m.text()}`) })
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`))
    // y-webrtc would sync same-origin pages over BroadcastChannel; take it away so only WebRTC can carry data
    await page.addInitScript(() => {
      window.BroadcastChannel = class { postMessage () {} close () {} addEventListener () {} removeEventListener () {} }
      // no STUN or TURN server is ever tried, even by code that names its own (clients' defaults, README snippets)
      const Native = window.RTCPeerConnection
      window.RTCPeerConnection = class extends Native {
        constructor (config, ...rest) { super({ ...(config || {}), iceServers: [] }, ...rest) }
      }
    })
    await page.goto(origin + '/')
    // a (fake) media grant makes Chromium offer host candidates on loopback
    await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
      stream.getTracks().forEach((t) => t.stop())
    })
    if (script) await page.addScriptTag({ url: origin + '/' + script })
    return page
  }

  // a bare page in a browser process of its own, for pages the node itself serves (/dashboard, /demo)
  const launchPage = async (viewport) => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS })
    cleanups.push(() => browser.close())
    const page = await browser.newPage(viewport ? { viewport } : {})
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[page] ${m.text()}`) })
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`))
    // no request may leave the node's origin: the pages must need no CDN
    page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`) && !r.url().startsWith('ws://127.0.0.1:' + port)) foreign.push(r.url()) })
    return page
  }
  const foreign = []

  const scenario = await import(path.join(here, 'scenarios', scenarioName + '.mjs'))
  const started = Date.now()
  const result = await scenario.run({ openPage, launchBrowser, launchPage, foreign, signalUrl: `${tlsSpki ? 'wss' : 'ws'}://127.0.0.1:${port}/${signalQuery}`, port, args: opt })
  console.log(JSON.stringify({ ok: true, scenario: scenarioName, ms: Date.now() - started, ...result }))
}

const timer = setTimeout(() => { fail(`timed out after ${timeoutMs} ms`); shutdown() }, timeoutMs)
async function shutdown () {
  clearTimeout(timer)
  for (const c of cleanups.reverse()) {
    try { await c() } catch (e) { /* already gone */ }
  }
  process.exit(process.exitCode ?? 0)
}
main().catch((e) => fail(e.stack || String(e))).finally(shutdown)
