// Runs the stock y-webrtc signaling server (node_modules/y-webrtc/bin/server.js, unmodified) bound to
// 127.0.0.1 only: the server itself listens on every interface, so its listen() is pointed at loopback
// before it loads. Used by the parity test that compares its bytes with Switchboard's.
//   PORT=<port> node upstream-ywebrtc.mjs
import http from 'node:http'

const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (port, ...rest) {
  return listen.call(this, port, '127.0.0.1', ...rest.filter((a) => typeof a === 'function'))
}
await import(new URL('./node_modules/y-webrtc/bin/server.js', import.meta.url))
