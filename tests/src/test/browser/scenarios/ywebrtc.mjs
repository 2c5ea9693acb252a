// Two y-webrtc peers in two browser processes sync a Y.Doc through Switchboard over a real RTCPeerConnection.
const until = async (page, fn, arg, what, ms = 120000) => {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 50 })
  } catch (e) {
    throw new Error(`waiting for ${what}: ${e.message.split('\n')[0]}`)
  }
}

export async function run ({ openPage, signalUrl, args }) {
  if (args('expect-refused', null)) {
    // only whether the browser's WebSocket opens: a refused upgrade never does
    const page = await openPage('ywebrtc.js')
    const outcome = await page.evaluate((url) => new Promise((resolve) => {
      const ws = new WebSocket(url)
      ws.onopen = () => { ws.close(); resolve('open') }
      ws.onerror = () => resolve('refused')
    }), signalUrl)
    return { refused: outcome === 'refused' }
  }
  const password = args('password', null)
  const room = 'switchboard-e2e-' + Math.random().toString(36).slice(2)
  const a = await openPage('ywebrtc.js')
  const b = await openPage('ywebrtc.js')
  const t0 = Date.now()
  await a.evaluate((o) => window.startPeer(o), { url: signalUrl, room, password })
  // two peers that announce themselves at the same moment can both act as initiator and stall (a race in the
  // client): B starts once A has announced itself (its room open on a connected socket). A fixed pause was not
  // enough where A's first upgrade is slow (a fresh node checking its first token) and B's is not
  await until(a, () => window.signalingReady(), null, 'peer A on the signaling socket')
  await new Promise((resolve) => setTimeout(resolve, 150))
  await b.evaluate((o) => window.startPeer(o), { url: signalUrl, room, password })
  await until(a, () => window.connectedPeers() === 1, null, 'peer A to connect')
  await until(b, () => window.connectedPeers() === 1, null, 'peer B to connect')
  const connectedMs = Date.now() - t0

  const t1 = Date.now()
  await a.evaluate(() => window.peer.text.insert(0, 'hello from A'))
  await until(b, () => window.peer.text.toString().includes('hello from A'), null, 'A\'s edit at B')
  const editMs = Date.now() - t1
  await b.evaluate(() => window.peer.text.insert(window.peer.text.length, ' / hello from B'))
  await until(a, () => window.peer.text.toString().endsWith(' / hello from B'), null, 'B\'s edit at A')

  // stats are sampled by the browser; give them a moment to show the data channel's bytes
  let statsA
  let statsB
  for (let i = 0; i < 40; i++) {
    statsA = await a.evaluate(() => window.transportStats())
    statsB = await b.evaluate(() => window.transportStats())
    if (statsA.channelBytes > 0 && statsB.channelBytes > 0 && statsA.pairState === 'succeeded' &&
      statsB.pairState === 'succeeded') break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const text = await a.evaluate(() => window.peer.text.toString())
  return { password: !!password, connectedMs, editMs, text, statsA, statsB }
}
