// A worker and a client written against grpc/src/main/proto/switchboard_rtc.proto with @grpc/grpc-js, checking
// the contract from outside Java: registration, offer / answer / ICE both ways, PING, an unknown worker.
//   node negotiate.mjs --port <grpc port> [--ca <PEM file>]   (with --ca: over TLS, trusting that CA)
// Prints one JSON line; exit code 0 when every step matched.
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const port = process.argv[process.argv.indexOf('--port') + 1]
const definition = protoLoader.loadSync(path.join(here, '../../../../grpc/src/main/proto/switchboard_rtc.proto'),
  { keepCase: true, longs: String, enums: String, defaults: true })
const rtc = grpc.loadPackageDefinition(definition).switchboard.rtc.v1
const ca = process.argv.includes('--ca') ? process.argv[process.argv.indexOf('--ca') + 1] : null
// over TLS the name checked against the certificate is the one dialled, as for any client
const address = `${ca ? 'localhost' : '127.0.0.1'}:${port}`
const creds = ca ? grpc.credentials.createSsl(fs.readFileSync(ca)) : grpc.credentials.createInsecure()
const steps = []
const fail = (why) => { console.log(JSON.stringify({ ok: false, why, steps })); process.exit(1) }
setTimeout(() => fail('timed out'), 20000)

// a queue of what a stream receives
const inbox = (stream) => {
  const items = []
  const waiters = []
  stream.on('data', (m) => { const w = waiters.shift(); w ? w(m) : items.push(m) })
  return () => items.length ? Promise.resolve(items.shift()) : new Promise((resolve) => waiters.push(resolve))
}
const buf = (s) => Buffer.from(s, 'utf8')

const worker = new rtc.WorkerService(address, creds).NegotiatePeerConnection()
const workerNext = inbox(worker)
worker.write({ worker_machine_id: '2024', event: 'BLANK' })
worker.write({ worker_machine_id: '2024', event: 'PING' })
if ((await workerNext()).event !== 'PING') fail('worker PING not answered')
steps.push('worker registered, PING answered')

const client = new rtc.ClientService(address, creds).NegotiatePeerConnection()
const clientNext = inbox(client)
client.write({ worker_machine_id: '2024', event: 'OFFER', message: buf('v=0 from node') })
const offer = await workerNext()
if (offer.event !== 'OFFER' || offer.message.toString() !== 'v=0 from node' || !offer.client_id) fail('offer: ' + JSON.stringify(offer))
steps.push('offer reached the worker with a client_id')

worker.write({ worker_machine_id: '2024', event: 'ANSWER', client_id: offer.client_id, message: buf('v=0 answer') })
const answer = await clientNext()
if (answer.event !== 'ANSWER' || answer.message.toString() !== 'v=0 answer' || answer.client_id !== offer.client_id) fail('answer: ' + JSON.stringify(answer))
steps.push('answer reached the client')

client.write({ worker_machine_id: '2024', event: 'LOCAL_ICE_CANDIDATE', message: buf('candidate:1 1 udp 1 127.0.0.1 9 typ host') })
const cand = await workerNext()
if (cand.event !== 'LOCAL_ICE_CANDIDATE' || !cand.message.toString().startsWith('candidate:1')) fail('candidate to worker')
worker.write({ worker_machine_id: '2024', event: 'ICE_CANDIDATE', client_id: offer.client_id, message: buf('candidate:2') })
if ((await clientNext()).message.toString() !== 'candidate:2') fail('candidate to client')
steps.push('ICE candidates both ways')

client.write({ worker_machine_id: '2024', event: 'PING' })
if ((await clientNext()).event !== 'PING') fail('client PING not answered')
steps.push('client PING answered')

const lost = new rtc.ClientService(address, creds).NegotiatePeerConnection()
lost.on('data', () => {})
const code = await new Promise((resolve) => { lost.on('error', (e) => resolve(e.code)); lost.write({ worker_machine_id: '999', event: 'OFFER' }) })
if (code !== grpc.status.NOT_FOUND) fail('unknown worker gave code ' + code)
steps.push('unknown worker: NOT_FOUND')

client.end()
worker.end()
console.log(JSON.stringify({ ok: true, steps }))
process.exit(0)
