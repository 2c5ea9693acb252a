// The /demo page: two tabs make a WebRTC data channel (and, if asked, a camera call) with signaling through
// this node, in one of its dialects. Each dialect's client is written here by hand from its documented wire
// protocol (docs/protocols/*.md), with nothing but WebSocket, WebCrypto and RTCPeerConnection: the real
// y-webrtc client would need bundling with Yjs, and a demo should show the wire, which the log does.
'use strict'

const $ = (id) => document.getElementById(id)
const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)))
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const sha256 = async (text) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
const randomId = () => hex(crypto.getRandomValues(new Uint8Array(8)))
const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host

// What a test (or a curious user, in the console) can read.
window.demoState = { state: 'idle', channelOpen: false, received: [], errors: [], remoteVideo: false, log: [] }
const state = window.demoState

function setState (text) {
  state.state = text
  $('state').textContent = text
}

function log (direction, text) {
  const line = document.createElement('div')
  line.className = direction === '→' ? 'out' : direction === '←' ? 'in' : 'err'
  line.textContent = new Date().toISOString().slice(11, 23) + ' ' + direction + ' ' + text
  $('log').append(line)
  $('log').scrollTop = $('log').scrollHeight
  state.log.push(direction + ' ' + text)
}

// A WebSocket whose every frame is logged, shortened (SDP is long).
function socket (url) {
  const ws = new WebSocket(url)
  const short = (s) => s.length > 160 ? s.slice(0, 160) + '…' : s
  ws.addEventListener('open', () => log('·', 'connected to ' + url))
  ws.addEventListener('close', (e) => log('!', 'closed ' + e.code + ' ' + e.reason))
  ws.addEventListener('message', (e) => log('←', short(String(e.data))))
  const send = ws.send.bind(ws)
  ws.send = (data) => { log('→', short(data)); send(data) }
  return ws
}

// One RTCPeerConnection; signals are applied one at a time, in arrival order (a candidate never overtakes its
// description). sendSignal(kind, payload) with kind 'offer' | 'answer' | 'candidate'.
function peerConnection (sendSignal, initiator, media) {
  const pc = new RTCPeerConnection({ iceServers: [] })
  window.pc = pc
  if (media) media.getTracks().forEach((t) => pc.addTrack(t, media))
  pc.ontrack = (e) => { $('remote').srcObject = e.streams[0]; state.remoteVideo = true }
  pc.onicecandidate = (e) => { if (e.candidate) sendSignal('candidate', e.candidate.toJSON()) }
  pc.onconnectionstatechange = () => setState('WebRTC ' + pc.connectionState)
  const onChannel = (channel) => {
    window.channel = channel
    channel.onmessage = (e) => {
      state.received.push(e.data)
      chat('peer: ' + e.data)
      // a greeting sent the moment a channel opens is now and then not delivered by Chromium on a busy machine:
      // answering the first one means each tab hears at least one message once either greeting arrives
      if (e.data === 'hello from the other tab' && state.received.length === 1) channel.send('hello back')
    }
    const opened = () => {
      state.channelOpen = true
      $('text').disabled = false
      $('send').disabled = false
      setState('data channel open')
      channel.send('hello from the other tab')
    }
    if (channel.readyState === 'open') opened()
    else channel.onopen = opened
  }
  if (initiator) onChannel(pc.createDataChannel('switchboard-demo'))
  else pc.ondatachannel = (e) => onChannel(e.channel)
  let queue = Promise.resolve()
  const inOrder = (fn) => { queue = queue.then(fn).catch((e) => { state.errors.push(String(e)); log('!', String(e)) }); return queue }
  return {
    offer: () => inOrder(async () => {
      await pc.setLocalDescription(await pc.createOffer())
      sendSignal('offer', pc.localDescription.toJSON())
    }),
    onSignal: (kind, pending) => inOrder(async () => {
      const payload = await pending
      if (kind === 'offer') {
        await pc.setRemoteDescription(payload)
        await pc.setLocalDescription(await pc.createAnswer())
        sendSignal('answer', pc.localDescription.toJSON())
      } else if (kind === 'answer') {
        await pc.setRemoteDescription(payload)
      } else if (kind === 'candidate') {
        await pc.addIceCandidate(payload)
      }
    })
  }
}

// ---- y-webrtc (docs/protocols/y-webrtc.md): subscribe to the room's topic, publish signals to it ----
function ywebrtc ({ room, media }) {
  const me = randomId()
  const ws = socket(base + '/')
  let other = null
  let rtc = null
  const publish = (data) => ws.send(JSON.stringify({ type: 'publish', topic: room, data }))
  const send = (kind, payload) => publish({ type: 'signal', from: me, to: other,
    signal: kind === 'candidate' ? { type: 'candidate', candidate: payload } : payload })
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
    publish({ type: 'announce', from: me })
  }
  ws.addEventListener('message', async (e) => {
    const m = JSON.parse(e.data)
    if (m.type !== 'publish' || !m.data || m.data.from === me) return
    const d = m.data
    if (d.type === 'announce' && other === null) {
      other = d.from
      publish({ type: 'announce', from: me }) // so a tab that was here first learns of us too
      rtc = peerConnection(send, me > other, media) // the larger id offers: never both
      if (me > other) await rtc.offer()
    } else if (d.type === 'signal' && d.to === me && d.from === other) {
      await rtc.onSignal(d.signal.type, d.signal.type === 'candidate' ? d.signal.candidate : d.signal)
    }
  })
}

// ---- named-peer (docs/protocols/named-peer.md): log in by name; the later tab offers ----
function namedPeer ({ room, media }) {
  const prefix = 'demo-' + room + '-'
  const me = prefix + randomId().slice(0, 6)
  const ws = socket(base + '/')
  let other = null
  const send = (kind, payload) => ws.send(JSON.stringify({ type: kind, target: other, [kind === 'candidate' ? 'candidate' : 'sdp']: payload }))
  let rtc = null
  ws.onopen = () => ws.send(JSON.stringify({ type: 'login', name: me }))
  ws.addEventListener('message', async (e) => {
    const m = JSON.parse(e.data)
    if (m.type === 'login_success') {
      other = m.clients.find((c) => c !== me && c.startsWith(prefix)) || null
      rtc = peerConnection(send, other !== null, media)
      if (other) await rtc.offer()
    } else if (m.type === 'peer_connected' && other === null && m.peer.startsWith(prefix)) {
      other = m.peer
    } else if (m.type === 'error') {
      state.errors.push(m.error)
    } else if (m.from === other && ['offer', 'answer', 'candidate'].includes(m.type)) {
      await rtc.onSignal(m.type, m.type === 'candidate' ? m.candidate : m.sdp)
    }
  })
}

// ---- Rendezvous (docs/protocols/rendezvous.md): register a WebCrypto key, sign the challenge ----
function rendezvous ({ room, media }) {
  const ws = socket(`${base}/room/${encodeURIComponent(room)}/websocket`)
  let rtc = null
  let other = null
  const send = (kind, payload) => ws.send(JSON.stringify({ type: kind === 'candidate' ? 'ice-candidate' : kind, to: other,
    [kind === 'candidate' ? 'candidate' : 'sdp']: payload }))
  ws.addEventListener('message', async (e) => {
    const m = JSON.parse(e.data)
    if (m.type === 'challenge') {
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
      const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey)
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(m.nonce))
      ws.send(JSON.stringify({ type: 'register', publicKey: jwk, signature: b64url(signature) }))
    } else if (m.type === 'welcome') {
      other = m.peers.length > 0 ? m.peers[0].id : null
      rtc = peerConnection(send, other !== null, media)
      if (other) await rtc.offer() // the later tab offers
    } else if (m.type === 'peer-joined' && other === null) {
      other = m.peerId
    } else if (m.type === 'error') {
      state.errors.push(m.message)
    } else if (['offer', 'answer', 'ice-candidate'].includes(m.type) && m.from === other) {
      await rtc.onSignal(m.type === 'ice-candidate' ? 'candidate' : m.type, m.type === 'ice-candidate' ? m.candidate : m.sdp)
    }
  })
}

// ---- Radix Connect (docs/protocols/radix-connect.md): payloads sealed with AES-GCM, as the real clients do.
// The pairing id and the key come from the room name here; real clients exchange them by QR code.
async function radix ({ room, role, media }) {
  const source = role
  const target = role === 'wallet' ? 'extension' : 'wallet'
  const connectionId = await sha256('connection:' + room)
  const aes = await crypto.subtle.importKey('raw', unhex(await sha256('key:' + room)), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const seal = async (obj) => {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    return hex(iv) + hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new TextEncoder().encode(JSON.stringify(obj))))
  }
  const open = async (h) => {
    const bytes = unhex(h)
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, aes, bytes.slice(12))
    return JSON.parse(new TextDecoder().decode(pt))
  }
  const ws = socket(`${base}/${connectionId}?target=${target}&source=${source}`)
  let remote = null
  let outbox = Promise.resolve() // sealing is asynchronous: sends leave in the order they were made
  const send = (kind, payload) => {
    outbox = outbox.then(async () => ws.send(JSON.stringify({ requestId: crypto.randomUUID(),
      method: kind === 'candidate' ? 'iceCandidate' : kind, source, connectionId, targetClientId: remote,
      encryptedPayload: await seal(payload) })))
  }
  const rtc = peerConnection(send, source === 'extension', media)
  ws.addEventListener('message', async (e) => {
    const m = JSON.parse(e.data)
    if (m.info === 'remoteClientIsAlreadyConnected' || m.info === 'remoteClientJustConnected') {
      remote = m.remoteClientId
      if (source === 'extension') await rtc.offer()
    } else if (m.info === 'remoteData') {
      rtc.onSignal(m.data.method === 'iceCandidate' ? 'candidate' : m.data.method, open(m.data.encryptedPayload))
    } else if (m.info && m.info.endsWith('Error')) {
      state.errors.push(m.info)
    }
  })
}

function chat (line) {
  $('chat-log').textContent += line + '\n'
}

async function start (options) {
  $('connect').disabled = true
  setState('signaling')
  let media = null
  if (options.camera) {
    media = await navigator.mediaDevices.getUserMedia({ video: true, audio: false })
    $('local').srcObject = media
  }
  const dialects = { 'y-webrtc': ywebrtc, 'named-peer': namedPeer, rendezvous, radix }
  await dialects[options.dialect]({ ...options, media })
}

$('form').onsubmit = (e) => {
  e.preventDefault()
  start({ dialect: $('dialect').value, room: $('room').value || 'demo', role: $('role').value, camera: $('camera').checked })
    .catch((err) => { state.errors.push(String(err)); log('!', String(err)) })
}
$('chat').onsubmit = (e) => {
  e.preventDefault()
  window.channel.send($('text').value)
  chat('me: ' + $('text').value)
  $('text').value = ''
}
// ?dialect=…&room=…&role=…&camera=1&auto=1 fills the form (and with auto, connects): a link to share.
const params = new URLSearchParams(location.search)
for (const name of ['dialect', 'room', 'role']) if (params.get(name)) $(name).value = params.get(name)
if (params.get('camera') === '1') $('camera').checked = true
if (params.get('auto') === '1') $('form').requestSubmit()
