// A browser peer that signals through one of Switchboard's dialects with nothing but WebSocket, WebCrypto and
// RTCPeerConnection — the way an app would — and opens a data channel to the other page.
//   window.startDialectPeer({ dialect, base, room, role, key })   role: 'first' | 'second'
// The page in the 'second' role makes the offer, whichever page arrives first; both send a hello over the data
// channel once it opens.

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)))
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

window.peerState = { received: [], errors: [], log: [], verifiedPeer: null, confirmations: 0 }
const state = window.peerState

function peerConnection (sendSignal, initiator, label) {
  const pc = new RTCPeerConnection({ iceServers: [] })
  window.pc = pc
  pc.onicecandidate = (e) => { if (e.candidate) sendSignal('candidate', e.candidate.toJSON()) }
  const onChannel = (channel) => {
    window.channel = channel
    channel.onmessage = (e) => state.received.push(e.data)
    // Said again every half second while the channel is open: Chromium has been seen to drop a message sent
    // the moment the answering side gets its channel, and the data channel is not what this test is about.
    const hello = () => { if (channel.readyState === 'open') channel.send('hello from ' + label) }
    const repeat = setInterval(hello, 500)
    setTimeout(() => clearInterval(repeat), 20000)
    // the answering side may be handed a channel that is already open: then there is no open event
    if (channel.readyState === 'open') hello()
    else channel.onopen = hello
  }
  if (initiator) {
    onChannel(pc.createDataChannel('switchboard-test'))
  } else {
    pc.ondatachannel = (e) => onChannel(e.channel)
  }
  // Signals are applied one at a time, in arrival order: a candidate must never overtake its description.
  let queue = Promise.resolve()
  const inOrder = (fn) => { queue = queue.then(fn).catch((e) => state.errors.push(String(e))); return queue }
  return {
    pc,
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

// ---- named-peer (docs/protocols/named-peer.md) ----
function namedPeer ({ base, role }) {
  const me = role === 'first' ? 'paris' : 'obs_paris'
  const other = role === 'first' ? 'obs_paris' : 'paris'
  const ws = new WebSocket(base + '/')
  let rtc = null
  const send = (kind, payload) => {
    const type = kind === 'candidate' ? 'candidate' : kind
    ws.send(JSON.stringify({ type, target: other, [kind === 'candidate' ? 'candidate' : 'sdp']: payload }))
  }
  ws.onopen = () => ws.send(JSON.stringify({ type: 'login', name: me }))
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data)
    state.log.push(m.type)
    if (m.type === 'login_success') {
      rtc = peerConnection(send, role === 'second', me)
      if (role === 'second' && m.clients.includes(other)) await rtc.offer()
    } else if (m.type === 'peer_connected' && m.peer === other && role === 'second') {
      await rtc.offer() // the other logged in after us
    } else if (m.type === 'error') {
      state.errors.push(m)
    } else if (m.from === other && ['offer', 'answer', 'candidate'].includes(m.type)) {
      await rtc.onSignal(m.type, m.type === 'candidate' ? m.candidate : m.sdp)
    }
  }
}

// ---- Rendezvous (docs/protocols/rendezvous.md), with proof of possession ----
function rendezvous ({ base, room, role }) {
  const ws = new WebSocket(`${base}/room/${encodeURIComponent(room)}/websocket`)
  let rtc = null
  let other = null
  const send = (kind, payload) => {
    const type = kind === 'candidate' ? 'ice-candidate' : kind
    ws.send(JSON.stringify({ type, to: other, [kind === 'candidate' ? 'candidate' : 'sdp']: payload }))
  }
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data)
    state.log.push(m.type)
    if (m.type === 'challenge') {
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
      const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey)
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(m.nonce))
      const essential = JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })
      state.expectedPeerId = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(essential)))
      ws.send(JSON.stringify({ type: 'register', publicKey: jwk, signature: b64url(signature) }))
    } else if (m.type === 'welcome') {
      state.peerId = m.peerId
      rtc = peerConnection(send, role === 'second', m.peerId.slice(0, 8))
      if (m.peers.length > 0) {
        other = m.peers[0].id
        state.verifiedPeer = m.peers[0].verified === true
        // the 'second' role offers whichever page registered first (WebCrypto's key generation may let the
        // second page register before the first): if both offered, each would get an answer it cannot take
        if (role === 'second') await rtc.offer()
      }
    } else if (m.type === 'peer-joined') {
      other = m.peerId
      state.verifiedPeer = m.verified === true
      if (role === 'second') await rtc.offer() // the other registered after us
    } else if (m.type === 'error') {
      state.errors.push(m)
    } else if (['offer', 'answer', 'ice-candidate'].includes(m.type) && m.from === other) {
      await rtc.onSignal(m.type === 'ice-candidate' ? 'candidate' : m.type, m.type === 'ice-candidate' ? m.candidate : m.sdp)
    }
  }
}

// ---- Radix Connect (docs/protocols/radix-connect.md), payloads sealed with AES-GCM as the real clients do ----
async function radix ({ base, room, role, key }) {
  const source = role === 'first' ? 'wallet' : 'extension'
  const target = role === 'first' ? 'extension' : 'wallet'
  const aes = await crypto.subtle.importKey('raw', unhex(key), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const seal = async (obj) => {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new TextEncoder().encode(JSON.stringify(obj)))
    return hex(iv) + hex(ct)
  }
  const open = async (h) => {
    const bytes = unhex(h)
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, aes, bytes.slice(12))
    return JSON.parse(new TextDecoder().decode(pt))
  }
  const ws = new WebSocket(`${base}/${room}?target=${target}&source=${source}`)
  let rtc = null
  let remote = null
  // sealing is asynchronous: chain the sends so they leave in the order they were made
  let outbox = Promise.resolve()
  const send = (kind, payload) => {
    const method = kind === 'candidate' ? 'iceCandidate' : kind
    outbox = outbox.then(async () => ws.send(JSON.stringify({ requestId: crypto.randomUUID(), method, source,
      connectionId: room, targetClientId: remote, encryptedPayload: await seal(payload) })))
  }
  rtc = peerConnection(send, source === 'extension', source)
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data)
    state.log.push(m.info)
    if (m.info === 'remoteClientIsAlreadyConnected' || m.info === 'remoteClientJustConnected') {
      remote = m.remoteClientId
      if (source === 'extension') await rtc.offer()
    } else if (m.info === 'confirmation') {
      state.confirmations++
    } else if (m.info === 'remoteData') {
      const kind = m.data.method === 'iceCandidate' ? 'candidate' : m.data.method
      const payload = open(m.data.encryptedPayload) // decrypt now; apply in arrival order
      rtc.onSignal(kind, payload)
    } else if (m.info && m.info.endsWith('Error')) {
      state.errors.push(m)
    }
  }
}

window.startDialectPeer = (opts) => {
  ({ 'named-peer': namedPeer, rendezvous, radix })[opts.dialect](opts)
}

window.transportStats = async () => {
  const stats = await window.pc.getStats()
  const byId = new Map()
  stats.forEach((s) => byId.set(s.id, s))
  let pair = null
  let channelBytes = 0
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId)
    if (s.type === 'data-channel') channelBytes += (s.bytesSent || 0) + (s.bytesReceived || 0)
  })
  const local = pair && byId.get(pair.localCandidateId)
  const remote = pair && byId.get(pair.remoteCandidateId)
  return {
    pairState: pair && pair.state,
    local: local && (local.address || local.ip || ''),
    localType: local && local.candidateType,
    remote: remote && (remote.address || remote.ip || ''),
    remoteType: remote && remote.candidateType,
    channelBytes
  }
}
