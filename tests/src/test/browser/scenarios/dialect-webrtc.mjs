// Two pages in two browser processes open a real RTCPeerConnection data channel to each other, signaling
// through one Switchboard dialect (--dialect named-peer | rendezvous | radix), and exchange a message.
import crypto from 'node:crypto'

export async function run ({ openPage, port, args }) {
  const dialect = args('dialect')
  const base = `ws://127.0.0.1:${port}`
  const room = dialect === 'radix' ? crypto.randomBytes(32).toString('hex') : 'room-' + crypto.randomBytes(4).toString('hex')
  const key = crypto.randomBytes(32).toString('hex')
  const a = await openPage('dialects.js')
  const b = await openPage('dialects.js')
  const t0 = Date.now()
  // --order second-first: the page in the 'second' role arrives first (as it may when the first page's
  // WebCrypto is slow to make its key); the pages must still agree on who offers
  const [early, late] = args('order') === 'second-first' ? [[b, 'second'], [a, 'first']] : [[a, 'first'], [b, 'second']]
  await early[0].evaluate((o) => window.startDialectPeer(o), { dialect, base, room, role: early[1], key })
  await new Promise((resolve) => setTimeout(resolve, 300))
  await late[0].evaluate((o) => window.startDialectPeer(o), { dialect, base, room, role: late[1], key })
  for (const [page, name] of [[a, 'first'], [b, 'second']]) {
    try {
      await page.waitForFunction(() => window.peerState.received.length > 0 || window.peerState.errors.length > 0,
        null, { timeout: 120000, polling: 50 })
    } catch (e) {
      const stA = await a.evaluate(() => window.peerState)
      const stB = await b.evaluate(() => window.peerState)
      const pcA = await a.evaluate(() => window.pc && [window.pc.signalingState, window.pc.iceConnectionState, window.pc.connectionState])
      const pcB = await b.evaluate(() => window.pc && [window.pc.signalingState, window.pc.iceConnectionState, window.pc.connectionState])
      throw new Error(`${name} peer got no data channel message: A ${JSON.stringify(stA)} ${pcA} / B ${JSON.stringify(stB)} ${pcB}`)
    }
  }
  const connectedMs = Date.now() - t0
  if (dialect === 'radix') {
    // every send is confirmed; the last confirmations may still be on their way
    for (const page of [a, b]) {
      await page.waitForFunction(() => window.peerState.confirmations > 0, null, { timeout: 120000, polling: 50 })
    }
  }
  const stateA = await a.evaluate(() => window.peerState)
  const stateB = await b.evaluate(() => window.peerState)
  let statsA
  let statsB
  for (let i = 0; i < 40; i++) {
    statsA = await a.evaluate(() => window.transportStats())
    statsB = await b.evaluate(() => window.transportStats())
    if (statsA.channelBytes > 0 && statsB.channelBytes > 0 && statsA.pairState === 'succeeded' &&
      statsB.pairState === 'succeeded') break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { dialect, connectedMs, stateA, stateB, statsA, statsB }
}
