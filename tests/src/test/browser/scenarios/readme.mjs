// The README's browser snippets, each run as written (the docs test has changed only their addresses) in a
// page of one browser, with what the snippet talks to in a page of another: a second copy of the snippet, or
// the other side of the conversation. One run for every snippet: the two browsers are started once.
//   --snippets FILE   JSON {name: code}; the names below that it lacks are skipped
// Prints {snippets: {name: {ok, error?, …what the checks need}}}: one snippet failing does not stop the others.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = path.dirname(fileURLToPath(import.meta.url))

// A snippet, with the harness's lines before and after it, bundled as one module (its imports resolved from
// this directory's node_modules, as an application's bundler would; a module may await at the top level).
const bundle = async (code) => (await build({
  stdin: { contents: code, resolveDir: here, loader: 'js' },
  bundle: true, format: 'esm', write: false, platform: 'browser', logLevel: 'error'
})).outputFiles[0].text

const runIn = async (page, code) => page.addScriptTag({ content: await bundle(code), type: 'module' })

const until = async (page, fn, arg, what) => {
  try {
    await page.waitForFunction(fn, arg, { timeout: 120000, polling: 100 })
  } catch (e) {
    throw new Error(`waiting for ${what}: ${e.message.split('\n')[0]}`)
  }
}

// every message the snippet's handler is given, recorded before it is handed on
const RECORD = `
window.snippet = { messages: [] }
const snippetHandler = ws.onmessage
ws.onmessage = async (event) => { window.snippet.messages.push(JSON.parse(event.data)); await snippetHandler(event) }
`

const snippets = {
  // two copies of the snippet sync their documents over WebRTC (each inserted 'hello')
  'y-webrtc-client': async ({ code, a, b }) => {
    const probe = code + '\nwindow.snippet = { doc, provider }\n'
    const connected = () => window.snippet && window.snippet.provider.room &&
      [...window.snippet.provider.room.webrtcConns.values()].some((c) => c.connected)
    await runIn(a, probe)
    // two y-webrtc peers that announce themselves at the same moment can both act as initiator and stall (a race
    // in the client): the second starts once the first has announced itself (its room open on a connected socket)
    await until(a, () => window.snippet && window.snippet.provider.room &&
      window.snippet.provider.signalingConns.some((c) => c.connected), null, 'the first copy on the signaling socket')
    await new Promise((resolve) => setTimeout(resolve, 150))
    await runIn(b, probe)
    const state = (page) => page.evaluate(() => window.snippet && {
      signaling: window.snippet.provider.signalingConns.map((c) => c.connected),
      room: !!window.snippet.provider.room,
      webrtc: window.snippet.provider.room && [...window.snippet.provider.room.webrtcConns.values()].map((c) => c.connected),
      text: window.snippet.doc.getText('notes').toString()
    })
    for (const page of [a, b]) {
      try {
        await until(page, connected, null, 'a WebRTC connection to the other copy')
      } catch (e) {
        throw new Error(`${e.message}: ${JSON.stringify(await state(a))} / ${JSON.stringify(await state(b))}`)
      }
      await until(page, () => window.snippet.doc.getText('notes').toString() === 'hellohello', null, 'both edits')
    }
    const text = async (page) => page.evaluate(() => window.snippet.doc.getText('notes').toString())
    return { connected: true, textA: await text(a), textB: await text(b) }
  },

  // the snippet is 'paris'; 'obs_paris', logged in first, answers its offer and gets its 'chat' channel
  'named-peer-client': async ({ code, a, b, base }) => {
    await b.evaluate((url) => new Promise((resolve, reject) => {
      const state = window.counterpart = { messages: [] }
      const ws = new WebSocket(url + '/')
      const pc = new RTCPeerConnection()
      pc.ondatachannel = ({ channel }) => {
        state.label = channel.label
        if (channel.readyState === 'open') state.open = true
        else channel.onopen = () => { state.open = true }
      }
      pc.onicecandidate = (e) => e.candidate &&
        ws.send(JSON.stringify({ type: 'candidate', target: 'paris', candidate: e.candidate }))
      ws.onopen = () => ws.send(JSON.stringify({ type: 'login', name: 'obs_paris' }))
      ws.onerror = () => reject(new Error('obs_paris: the WebSocket failed'))
      ws.onmessage = async ({ data }) => {
        const m = JSON.parse(data)
        state.messages.push(m.type)
        if (m.type === 'login_success') resolve()
        else if (m.type === 'offer') {
          await pc.setRemoteDescription(m.sdp)
          await pc.setLocalDescription(await pc.createAnswer())
          ws.send(JSON.stringify({ type: 'answer', target: m.from, sdp: pc.localDescription }))
        } else if (m.type === 'candidate') await pc.addIceCandidate(m.candidate)
      }
    }), base)
    await runIn(a, code + '\nwindow.snippet = { pc, ws }\n')
    await until(b, () => window.counterpart.open === true, null, 'obs_paris\'s data channel to open')
    await until(a, () => window.snippet.pc.connectionState === 'connected', null, 'the snippet\'s peer connection')
    return {
      connectionState: await a.evaluate(() => window.snippet.pc.connectionState),
      channel: await b.evaluate(() => window.counterpart.label),
      counterpart: await b.evaluate(() => window.counterpart.messages)
    }
  },

  // two copies of the snippet in one room: the second is welcomed with the first, which hears of the second
  'rendezvous-client': async ({ code, a, b }) => {
    const welcomed = () => window.snippet && window.snippet.messages.some((m) => m.type === 'welcome')
    await runIn(a, code + RECORD)
    await until(a, welcomed, null, 'the first copy\'s welcome')
    await runIn(b, code + RECORD)
    await until(b, welcomed, null, 'the second copy\'s welcome')
    await until(a, () => window.snippet.messages.some((m) => m.type === 'peer-joined'), null, 'peer-joined at the first copy')
    return {
      first: await a.evaluate(() => window.snippet.messages),
      second: await b.evaluate(() => window.snippet.messages)
    }
  },

  // the snippet is the extension, given what its application would have: the pairing's connectionId, a real
  // offer, and seal (AES-GCM with the key both sides derive from the password); the wallet, connected first,
  // gets the offer and opens it
  'radix-client': async ({ code, a, b, base }) => {
    const connectionId = crypto.randomBytes(32).toString('hex')
    const key = crypto.randomBytes(32).toString('hex')
    const crypt = `
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)))
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')
const aes = await crypto.subtle.importKey('raw', unhex('${key}'), 'AES-GCM', false, ['encrypt', 'decrypt'])
`
    const wallet = crypt + `
window.counterpart = { messages: [] }
const ws = new WebSocket('${base}/${connectionId}?target=extension&source=wallet')
ws.onopen = () => { window.counterpart.open = true }
ws.onmessage = async ({ data }) => {
  const m = JSON.parse(data)
  window.counterpart.messages.push(m)
  if (m.info === 'remoteData') {
    const bytes = unhex(m.data.encryptedPayload)
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, aes, bytes.slice(12))
    window.counterpart.opened = JSON.parse(new TextDecoder().decode(plain))
  }
}
`
    const application = crypt + `
const connectionId = '${connectionId}'
const seal = async (obj) => {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  return hex(iv) + hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new TextEncoder().encode(JSON.stringify(obj))))
}
const offerer = new RTCPeerConnection()
offerer.createDataChannel('wallet')
const offer = await offerer.createOffer()
`
    await runIn(b, wallet)
    await until(b, () => window.counterpart && window.counterpart.open, null, 'the wallet\'s WebSocket')
    await runIn(a, application + code + RECORD + 'window.snippet.offerSdp = offer.sdp\n')
    await until(b, () => window.counterpart.opened !== undefined, null, 'the offer at the wallet')
    await until(a, () => window.snippet.messages.some((m) => m.info === 'confirmation'), null, 'the confirmation')
    return {
      offerSdp: await a.evaluate(() => window.snippet.offerSdp),
      extension: await a.evaluate(() => window.snippet.messages),
      wallet: await b.evaluate(() => window.counterpart.messages),
      opened: await b.evaluate(() => window.counterpart.opened)
    }
  },

  // the snippet is 'alice'; 'bob' (the real peerjs client too, open first) gets her 'hi'
  'peerjs-client': async ({ code, a, b, port, openPage, browserB }) => {
    const bob = await openPage('peerjs.js', browserB)
    await bob.evaluate((o) => window.startPeerJs(o), { port, id: 'bob', role: 'answerer', secure: true })
    await runIn(a, code + '\nwindow.snippet = { peer }\n')
    await until(bob, () => window.peerState.received.length > 0 || window.peerState.errors.length > 0, null, 'a message at bob')
    const result = {
      alice: await a.evaluate(() => ({ id: window.snippet.peer.id, open: window.snippet.peer.open })),
      bob: await bob.evaluate(() => window.peerState)
    }
    await bob.close()
    return result
  }
}

export async function run ({ openPage, launchBrowser, signalUrl, port, args }) {
  const given = JSON.parse(fs.readFileSync(args('snippets'), 'utf8'))
  const base = signalUrl.replace(/\/$/, '')
  const browserA = await launchBrowser()
  const browserB = await launchBrowser()
  const results = {}
  for (const [name, check] of Object.entries(snippets)) {
    if (!(name in given)) continue
    const a = await openPage(null, browserA)
    const b = await openPage(null, browserB)
    const errors = []
    for (const page of [a, b]) page.on('pageerror', (e) => errors.push(e.message))
    const t0 = Date.now()
    try {
      results[name] = { ok: true, ...await check({ code: given[name], a, b, base, port, openPage, browserB }), ms: Date.now() - t0, errors }
    } catch (e) {
      results[name] = { ok: false, error: e.message, errors }
    }
    await a.close()
    await b.close()
  }
  return { snippets: results }
}
