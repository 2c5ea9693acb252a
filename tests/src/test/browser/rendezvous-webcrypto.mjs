// Rendezvous registration with keys made by WebCrypto (Node's crypto.subtle, the same API browsers have):
// ECDSA P-256/P-384/P-521, Ed25519 and RSASSA-PKCS1-v1_5 keys, each exported as a JWK, the challenge signed,
// and the peer ID the server assigns checked against one computed here, independently.
//   node rendezvous-webcrypto.mjs --port N
// Prints one JSON line; exit code 0 when every key type registered verified with the expected peer ID.
import WebSocket from 'ws'

const port = Number(process.argv[process.argv.indexOf('--port') + 1])
const { subtle } = globalThis.crypto
const b64url = (buf) => Buffer.from(buf).toString('base64url')
const sha256hex = async (s) => Buffer.from(await subtle.digest('SHA-256', new TextEncoder().encode(s))).toString('hex')

const KINDS = {
  'P-256': { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'P-384': { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  'P-521': { gen: { name: 'ECDSA', namedCurve: 'P-521' }, sign: { name: 'ECDSA', hash: 'SHA-512' } },
  Ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  RSA: {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' }
  }
}

// The order of the essential members the server hashes (docs/protocols/rendezvous.md#peer-id)
const essential = (jwk) => jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
  : jwk.kty === 'OKP' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x } : { kty: jwk.kty, n: jwk.n, e: jwk.e }

function register (kind, room) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/room/${room}/websocket`)
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`${kind}: no welcome within 10 s`)) }, 10000)
    ws.on('error', reject)
    ws.on('message', async (data) => {
      const m = JSON.parse(data.toString())
      if (m.type === 'challenge') {
        const { gen, sign } = KINDS[kind]
        const keys = await subtle.generateKey(gen, true, ['sign', 'verify'])
        const jwk = await subtle.exportKey('jwk', keys.publicKey)
        const signature = await subtle.sign(sign, keys.privateKey, new TextEncoder().encode(m.nonce))
        ws.expected = await sha256hex(JSON.stringify(essential(jwk)))
        ws.send(JSON.stringify({ type: 'register', publicKey: jwk, signature: b64url(signature) }))
      } else if (m.type === 'welcome') {
        clearTimeout(timer)
        resolve({ kind, ws, peerId: m.peerId, expected: ws.expected, peers: m.peers })
      } else if (m.type === 'error') {
        clearTimeout(timer)
        reject(new Error(`${kind}: ${m.message}`))
      }
    })
  })
}

const room = 'webcrypto-' + Date.now()
const results = []
let ok = true
try {
  for (const kind of Object.keys(KINDS)) {
    const r = await register(kind, room)
    const previous = results.map((p) => p.peerId)
    const seen = r.peers.map((p) => p.id)
    const allVerified = r.peers.every((p) => p.verified === true)
    const good = r.peerId === r.expected && JSON.stringify(seen) === JSON.stringify(previous) && allVerified
    ok = ok && good
    results.push({ kind, peerId: r.peerId, matches: r.peerId === r.expected, welcomedWith: seen.length, allVerified, ws: r.ws })
  }
} catch (e) {
  ok = false
  results.push({ error: e.message })
}
for (const r of results) if (r.ws) r.ws.close()
console.log(JSON.stringify({ ok, results: results.map(({ ws, ...rest }) => rest) }))
process.exit(ok ? 0 : 1)
