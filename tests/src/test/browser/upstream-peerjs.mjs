// Runs the stock PeerJS server (npm peer 1.0.2, its PeerServer, unmodified) on 127.0.0.1 for the parity test
// that compares its bytes with Switchboard's. One server per JSON object in PEERJS_SERVERS (each PeerServer
// option as upstream names it, port included); prints "ready" once all listen.
//   PEERJS_SERVERS='[{"port":9000,"path":"/","expire_timeout":1000}]' node upstream-peerjs.mjs
import { PeerServer } from 'peer'

const servers = JSON.parse(process.env.PEERJS_SERVERS)
await Promise.all(servers.map((options) => new Promise((resolve) => {
  const server = PeerServer({ host: '127.0.0.1', ...options }, resolve)
  server.on('error', (e) => console.error('peer server error:', e.message))
})))
console.log('ready')
