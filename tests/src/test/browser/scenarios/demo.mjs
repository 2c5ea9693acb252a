// The node's /demo in two headless Chromium processes, as two tabs would use it: the same dialect and room,
// Connect in both; they must open a data channel to each other (and with --camera 1, a call with the fake
// camera). Radix pairs roles, so the first page is the extension and the second the wallet.
import crypto from 'node:crypto'

export async function run ({ launchPage, foreign, port, args }) {
  const dialect = args('dialect')
  const camera = args('camera', '0') === '1'
  const room = 'demo-' + crypto.randomBytes(4).toString('hex')
  const pages = []
  for (const role of ['extension', 'wallet']) {
    const page = await launchPage()
    await page.goto(`http://127.0.0.1:${port}/demo?dialect=${dialect}&room=${room}&role=${role}${camera ? '&camera=1' : ''}`)
    // a (fake) media grant makes Chromium offer host candidates on loopback
    await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
      stream.getTracks().forEach((t) => t.stop())
    })
    await page.click('#connect')
    pages.push(page)
    await new Promise((resolve) => setTimeout(resolve, 300)) // the second tab is opened a moment later
  }
  for (const page of pages) {
    try {
      await page.waitForFunction((cam) => (window.demoState.received.length > 0 && (!cam || window.demoState.remoteVideo)) ||
        window.demoState.errors.length > 0, camera, { timeout: 120000, polling: 100 })
    } catch (e) {
      const states = await Promise.all(pages.map((p) => p.evaluate(() => window.demoState)))
      throw new Error('no data channel: ' + JSON.stringify(states))
    }
  }
  const states = []
  for (const page of pages) {
    states.push(await page.evaluate(async () => {
      const video = document.getElementById('remote')
      return { ...window.demoState, videoWidth: video.videoWidth, logLines: document.querySelectorAll('#log div').length }
    }))
  }
  if (camera) {
    // frames of the fake camera arrive: the remote video gets a size
    for (const page of pages) {
      await page.waitForFunction(() => document.getElementById('remote').videoWidth > 0, null, { timeout: 120000, polling: 100 })
    }
  }
  return { dialect, camera, states, foreign }
}
