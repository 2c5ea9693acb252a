// An independent load generator for y-webrtc signaling servers: plain `ws` clients in one Node process, as a
// browser's y-webrtc provider behaves on the wire (one WebSocket message per write, no batching), open loop.
// It shares no code with Switchboard's own generator (`switchboard bench`), so a result that both agree on is
// not an artefact of either. Used by bench/compare-defaults.sh; see BENCHMARKS.md.
//
//   node ws-load.mjs --url ws://127.0.0.1:4444 [--rooms 100] [--peers 4] [--payload 1024] [--rate 40]
//                    [--warmup 10] [--duration 15] [--drain 5] [--server-pid PID] [--json FILE]
//
// Every peer subscribes to its room's topic and publishes `payload`-byte messages at `rate` per second on a
// fixed schedule (open loop: a late send does not delay the next one). Each message carries its send time and
// sequence; every copy a subscriber receives (the sender's own included, as the server sends it) is one
// delivery. Latency is from the send to the receipt, on this process's clock. Deliveries of messages sent in
// the measured window are counted, `missing` being those still absent after the drain. Server CPU is read from
// /proc/PID/stat over the measured window (user + system of all its threads).
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const opts = { rooms: 100, peers: 4, payload: 1024, rate: 40, warmup: 10, duration: 15, drain: 5 };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const value = process.argv[i + 1];
  opts[key] = ['url', 'json'].includes(key) ? value : Number(value);
}
if (!opts.url) {
  console.error('--url is required');
  process.exit(2);
}

const TICKS = 100; // USER_HZ on Linux
function serverCpuSeconds() {
  if (!opts.serverPid) return NaN;
  // fields after the command name, which is in parentheses and may hold spaces
  const stat = readFileSync(`/proc/${opts.serverPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
}

// Latencies in microseconds, bucketed: 1 µs resolution below 1 ms, then 1% wide buckets up to ~100 s.
class Histogram {
  constructor() { this.fine = new Float64Array(1000); this.coarse = new Float64Array(1200); this.count = 0; }
  add(micros) {
    this.count++;
    if (micros < 1000) this.fine[Math.max(0, Math.floor(micros))]++;
    else this.coarse[Math.min(1199, Math.floor(Math.log(micros / 1000) / Math.log(1.01)))]++;
  }
  quantile(q) {
    let rank = Math.ceil(q * this.count);
    for (let i = 0; i < 1000; i++) if ((rank -= this.fine[i]) <= 0) return i;
    for (let i = 0; i < 1200; i++) if ((rank -= this.coarse[i]) <= 0) return 1000 * Math.pow(1.01, i + 1);
    return NaN;
  }
}

const latency = new Histogram();
const sendLag = new Histogram();
const peers = [];
let phase = 'connecting'; // connecting → warmup → measure → drain
let measureFrom = 0;
let measureUntil = 0;
let expected = 0;
let delivered = 0;
let sent = 0;
const pad = 'x'.repeat(Math.max(0, opts.payload - 110));

function connect(room, index) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, { perMessageDeflate: false });
    const topic = `room-${room}`;
    const peer = { ws, topic, id: `${room}.${index}` };
    ws.on('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
      ws.send(JSON.stringify({ type: 'ping' })); // answered after the subscribe is handled: the peer is ready
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"pong"')) { resolve(peer); return; }
      // {"type":"publish","topic":...,"data":{"t":<ms>,"m":<0|1>,...}}: read the two fields without a parse
      const at = text.indexOf('"t":');
      if (at < 0) return;
      const t = parseFloat(text.slice(at + 4, text.indexOf(',', at)));
      if (text.charCodeAt(text.indexOf('"m":', at) + 4) === 49) { // sent in the measured window
        delivered++;
        latency.add((performance.now() - t) * 1000);
      }
    });
  });
}

function publish(peer, scheduled) {
  const now = performance.now();
  const measured = now >= measureFrom && now < measureUntil;
  if (measured) {
    sendLag.add((now - scheduled) * 1000);
    expected += opts.peers; // every subscriber of the topic, the sender included
    sent++;
  }
  peer.ws.send(`{"type":"publish","topic":"${peer.topic}","data":{"t":${now},"m":${measured ? 1 : 0},` +
    `"from":"${peer.id}","pad":"${pad}"}}`);
}

function schedule(peer, offset) {
  const interval = 1000 / opts.rate;
  let next = performance.now() + offset;
  const tick = () => {
    if (phase === 'drain') return;
    const now = performance.now();
    while (next <= now) { publish(peer, next); next += interval; }
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  setTimeout(tick, offset);
}

const connects = [];
for (let r = 0; r < opts.rooms; r++) for (let p = 0; p < opts.peers; p++) connects.push(connect(r, p));
peers.push(...await Promise.all(connects));

const start = performance.now();
measureFrom = start + opts.warmup * 1000;
measureUntil = measureFrom + opts.duration * 1000;
phase = 'warmup';
peers.forEach((peer, i) => schedule(peer, (i * 1000 / opts.rate / peers.length) % (1000 / opts.rate)));

await new Promise((r) => setTimeout(r, measureFrom - performance.now()));
const cpuFrom = serverCpuSeconds();
await new Promise((r) => setTimeout(r, measureUntil - performance.now()));
const cpuUntil = serverCpuSeconds();
const deliveredInWindow = delivered;
phase = 'drain';
await new Promise((r) => setTimeout(r, opts.drain * 1000));

const report = {
  generator: 'node-ws',
  rooms: opts.rooms, peers: opts.peers, payload: opts.payload, rate: opts.rate, seconds: opts.duration,
  sent, expected, delivered, missing: expected - delivered,
  deliveriesPerSecond: deliveredInWindow / opts.duration,
  serverCpuSeconds: cpuUntil - cpuFrom,
  // CPU of the window over the deliveries of the window's messages (those still arriving in the drain are few)
  serverCpuMicrosPerDelivery: ((cpuUntil - cpuFrom) * 1e6) / Math.max(1, delivered),
  p50Micros: latency.quantile(0.5), p99Micros: latency.quantile(0.99), p999Micros: latency.quantile(0.999),
  sendLagP99Micros: sendLag.quantile(0.99),
};
console.log(JSON.stringify(report));
if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
for (const peer of peers) peer.ws.terminate();
process.exit(0);
