// Makes keys and signs tokens for the auth tests with `jose`, so the server's verifier is checked against an
// independent implementation. Reads a JSON spec from argv[2], prints JSON to stdout:
//   spec:   { "keys": [{ "kid": "r1", "alg": "RS256" }, ...], "secret": "<hmac secret>",
//             "tokens": { "<name>": { "alg": "RS256", "kid": "r1", "claims": {...}, "header": {...} }, ... } }
//   output: { "jwks": { "keys": [<public JWKs>] }, "tokens": { "<name>": "<compact JWS>" } }
// A token with "alg": "none" is written unsigned (header.payload.), as an attacker would.
import * as jose from 'jose'
import { readFileSync } from 'node:fs'

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const privateKeys = {}
const jwks = { keys: [] }
for (const { kid, alg } of spec.keys ?? []) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined })
  privateKeys[kid] = { key: privateKey, alg }
  jwks.keys.push({ ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' })
}
const secret = spec.secret ? new TextEncoder().encode(spec.secret) : null
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const tokens = {}
for (const [name, t] of Object.entries(spec.tokens ?? {})) {
  if (t.alg === 'none') {
    tokens[name] = `${b64({ alg: 'none', typ: 'JWT', ...(t.header ?? {}) })}.${b64(t.claims)}.`
    continue
  }
  const key = t.alg.startsWith('HS') ? secret : privateKeys[t.kid].key
  tokens[name] = await new jose.SignJWT(t.claims)
    .setProtectedHeader({ alg: t.alg, ...(t.kid ? { kid: t.kid } : {}), ...(t.header ?? {}) })
    .sign(key)
}
process.stdout.write(JSON.stringify({ jwks, tokens }))
