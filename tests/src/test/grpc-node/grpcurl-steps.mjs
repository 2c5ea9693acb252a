// What the README's grpcurl example does, with @grpc/grpc-js instead of grpcurl (which cannot be installed where
// the tests run): `list` from the proto file, a worker stream and a client stream each sending the example's JSON
// message, then the worker's answer to the client. ReadmeExamplesTest takes the proto, the methods and the
// messages out of the README and passes them here:
//   node grpcurl-steps.mjs '<json: {port, importPath, proto, worker: {method, message}, client: {method, message}}>'
// Prints one JSON line: the services, the message the worker got (in grpcurl's protojson form), what the client got.
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const steps = JSON.parse(process.argv[2])
const fail = (why) => { console.log(JSON.stringify({ ok: false, why })); process.exit(1) }
setTimeout(() => fail('timed out'), 20000)

const definition = protoLoader.loadSync(steps.proto,
  { includeDirs: [path.join(root, steps.importPath)], keepCase: true, longs: String, enums: String, defaults: true })
// grpcurl list: the services the proto file declares
const services = Object.keys(definition).filter((name) =>
  Object.values(definition[name]).some((m) => m && typeof m.path === 'string')).sort()
const loaded = grpc.loadPackageDefinition(definition)
const address = `127.0.0.1:${steps.port}`

// one bidirectional call by its full name, package.Service/Method, as grpcurl takes it
const open = (fullMethod) => {
  const [service, method] = fullMethod.split('/')
  const Client = service.split('.').reduce((o, part) => o[part], loaded)
  const stub = new Client(address, grpc.credentials.createInsecure())
  const rpc = Object.keys(Client.service).find((k) => Client.service[k].path === '/' + fullMethod)
  if (!rpc) fail('no method ' + fullMethod + ' (' + method + ')')
  const call = stub[rpc]()
  const received = []
  const waiters = []
  call.on('data', (m) => { const w = waiters.shift(); w ? w(m) : received.push(m) })
  call.on('error', (e) => fail(fullMethod + ': ' + e.message))
  call.next = () => received.length ? Promise.resolve(received.shift()) : new Promise((resolve) => waiters.push(resolve))
  return call
}
// grpcurl -emit-defaults prints protojson: lowerCamelCase names, int64 as a string, bytes as base64, enums by name
const protojson = (m) => ({ workerMachineId: m.worker_machine_id, event: m.event,
  message: Buffer.from(m.message).toString('base64'), clientId: m.client_id })

const worker = open(steps.worker.method)
worker.write(JSON.parse(steps.worker.message))
// registered once the server answers a PING on the stream (grpcurl's user would simply wait a moment)
worker.write({ event: 'PING' })
if ((await worker.next()).event !== 'PING') fail('worker PING not answered')
const client = open(steps.client.method)
client.write(JSON.parse(steps.client.message))
const offer = protojson(await worker.next())
worker.write({ worker_machine_id: offer.workerMachineId, event: 'ANSWER', client_id: offer.clientId, message: 'dj0w' })
const answer = protojson(await client.next())
client.end()
worker.end()
console.log(JSON.stringify({ ok: true, services, offer, answer }))
process.exit(0)
