// A y-webrtc peer as a Yjs app would run it, with hooks the scenario reads.
import * as Y from 'yjs'
import { WebrtcProvider } from 'y-webrtc'

window.startPeer = ({ url, room, password }) => {
  const doc = new Y.Doc()
  const provider = new WebrtcProvider(room, doc, {
    signaling: [url],
    password: password || null,
    peerOpts: { config: { iceServers: [] } }
  })
  window.peer = { doc, provider, text: doc.getText('notes') }
  // the room is created once the (optional) password's key is derived, i.e. asynchronously
}

// the room exists (after the password's key, if any) and a signaling socket is open: subscribe and announce sent
window.signalingReady = () => !!(window.peer && window.peer.provider.room &&
  window.peer.provider.signalingConns.some((c) => c.connected))
window.webrtcPeers = () => (window.peer.provider.room ? window.peer.provider.room.webrtcConns.size : 0)
window.connectedPeers = () => {
  if (!window.peer.provider.room) return 0
  const conns = [...window.peer.provider.room.webrtcConns.values()]
  return conns.filter((c) => c.connected).length
}

// What getStats says about the (first) connection: the selected candidate pair and data channel bytes.
window.transportStats = async () => {
  const conn = [...window.peer.provider.room.webrtcConns.values()][0]
  const stats = await conn.peer._pc.getStats()
  let pair = null
  let local = null
  let remote = null
  let channelBytes = 0
  const byId = new Map()
  stats.forEach((s) => byId.set(s.id, s))
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId)
    if (s.type === 'data-channel') channelBytes += (s.bytesSent || 0) + (s.bytesReceived || 0)
  })
  if (pair) {
    local = byId.get(pair.localCandidateId)
    remote = byId.get(pair.remoteCandidateId)
  }
  return {
    pairState: pair && pair.state,
    local: local && (local.address || local.ip),
    remote: remote && (remote.address || remote.ip),
    channelBytes
  }
}
