// Two pages in two browser processes run the real peerjs client against Switchboard: the answerer on --port,
// the caller on --port2 (another node of the cluster) or the same port; a data connection and a video call.
import crypto from 'node:crypto'

export async function run ({ openPage, port, args }) {
  const port2 = Number(args('port2', String(port)))
  const suffix = crypto.randomBytes(4).toString('hex')
  const answerer = 'answerer-' + suffix
  const caller = 'caller-' + suffix
  const a = await openPage('peerjs.js')
  const b = await openPage('peerjs.js')
  const t0 = Date.now()
  await a.evaluate((o) => window.startPeerJs(o), { port, id: answerer, role: 'answerer' })
  await b.evaluate((o) => window.startPeerJs(o), { port: port2, id: caller, remote: answerer, role: 'caller' })
  for (const [page, name] of [[a, 'answerer'], [b, 'caller']]) {
    try {
      await page.waitForFunction(() => (window.peerState.received.length > 0 && window.peerState.remoteVideoTracks > 0) ||
        window.peerState.errors.length > 0, null, { timeout: 120000, polling: 50 })
    } catch (e) {
      const stA = await a.evaluate(() => window.peerState)
      const stB = await b.evaluate(() => window.peerState)
      throw new Error(`${name} got no data or no video: answerer ${JSON.stringify(stA)} / caller ${JSON.stringify(stB)}`)
    }
  }
  const connectedMs = Date.now() - t0
  let statsA
  let statsB
  for (let i = 0; i < 100; i++) {
    statsA = await a.evaluate(() => window.transportStats())
    statsB = await b.evaluate(() => window.transportStats())
    const done = (s) => s.data && s.media && s.data.pairState === 'succeeded' && s.media.pairState === 'succeeded' &&
      s.data.channelBytes > 0 && s.media.framesDecoded > 0
    if (done(statsA) && done(statsB)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const stateA = await a.evaluate(() => window.peerState)
  const stateB = await b.evaluate(() => window.peerState)
  return { connectedMs, stateA, stateB, statsA, statsB }
}
