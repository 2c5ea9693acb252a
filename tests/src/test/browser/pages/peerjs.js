// A browser peer that uses the real peerjs client (npm peerjs 1.5.5), unchanged, against a Switchboard node:
//   window.startPeerJs({ port, id, remote, role, secure })   role: 'answerer' (waits) | 'caller' (connects and calls);
//   secure: the node serves TLS (wss://)
// The caller opens a data connection and a media call (the fake camera) to the answerer; each side says hello
// over the data connection and answers the call with its own camera.
import { Peer } from 'peerjs'

window.peerState = { open: null, received: [], errors: [], remoteVideoTracks: 0 }
const state = window.peerState

window.startPeerJs = async ({ port, id, remote, role, secure }) => {
  const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: false })
  const peer = new Peer(id, {
    host: '127.0.0.1', port, path: '/', key: 'peerjs', secure: !!secure, debug: 1, config: { iceServers: [] }
  })
  window.peer = peer
  peer.on('error', (e) => state.errors.push(`${e.type}: ${e.message}`))
  const onData = (conn) => {
    window.dataConnection = conn
    conn.on('data', (d) => state.received.push(d))
    // said again while open: a message sent the moment a channel opens has been seen lost in Chromium
    const hello = () => { if (conn.open) conn.send('hello from ' + id) }
    conn.on('open', () => { hello(); const t = setInterval(hello, 500); setTimeout(() => clearInterval(t), 20000) })
    conn.on('error', (e) => state.errors.push('data: ' + e))
  }
  const onCall = (call) => {
    window.mediaConnection = call
    call.on('stream', (stream) => { state.remoteVideoTracks = stream.getVideoTracks().length; window.remoteStream = stream })
    call.on('error', (e) => state.errors.push('media: ' + e))
  }
  peer.on('connection', onData)
  peer.on('call', (call) => { onCall(call); call.answer(camera) })
  await new Promise((resolve) => peer.on('open', (openedAs) => { state.open = openedAs; resolve() }))
  if (role === 'caller') {
    onData(peer.connect(remote, { reliable: true }))
    onCall(peer.call(remote, camera))
  }
}

// The selected candidate pair and bytes moved, of the data connection's and the call's peer connections.
window.transportStats = async () => {
  const one = async (pc) => {
    const stats = await pc.getStats()
    const byId = new Map()
    stats.forEach((s) => byId.set(s.id, s))
    let pair = null
    let channelBytes = 0
    let framesDecoded = 0
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId)
      if (s.type === 'data-channel') channelBytes += (s.bytesSent || 0) + (s.bytesReceived || 0)
      if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += s.framesDecoded || 0
    })
    const local = pair && byId.get(pair.localCandidateId)
    const remote = pair && byId.get(pair.remoteCandidateId)
    return {
      pairState: pair && pair.state,
      local: local && (local.address || local.ip || ''),
      remote: remote && (remote.address || remote.ip || ''),
      channelBytes,
      framesDecoded
    }
  }
  return {
    data: window.dataConnection ? await one(window.dataConnection.peerConnection) : null,
    media: window.mediaConnection ? await one(window.mediaConnection.peerConnection) : null
  }
}
