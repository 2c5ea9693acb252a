// N named-peer clients that read everything (ws answers the server's pings by itself) log in one after
// another; each login is told to every peer logged in before it, N(N-1)/2 notices in all. Waits until every
// notice has arrived (or the deadline), closes, and prints one JSON line. Used by bench/notices.sh.
//
//   node notice-load.mjs ws://127.0.0.1:PORT/ N [DEADLINE_SECONDS]
import WebSocket from 'ws';

const [url, nText, deadlineText] = process.argv.slice(2);
const n = Number(nText);
const deadline = Date.now() + 1000 * Number(deadlineText ?? 120);
const expected = (n * (n - 1)) / 2;
let notices = 0;
let pings = 0;
let dropped = 0;
const clients = [];
const start = Date.now();
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.on('ping', () => { pings++; });
  ws.on('message', (data) => {
    if (data.toString().startsWith('{"type":"peer_connected"')) notices++;
  });
  ws.on('close', () => { dropped++; });
  ws.send(JSON.stringify({ type: 'login', name: `reader-${i}` }));
  clients.push(ws);
}
while (notices < expected && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 20));
}
const seconds = (Date.now() - start) / 1000;
const closedEarly = dropped;
for (const ws of clients) ws.terminate();
console.log(JSON.stringify({ n, expected, notices, pings, closedEarly, seconds }));
