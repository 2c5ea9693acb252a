// The node's /dashboard in headless Chromium at a laptop's size: waits for the page to have polled the node a
// few times, reads the numbers it shows from the DOM, and keeps a screenshot (--screenshot FILE).
export async function run ({ launchPage, foreign, port, args }) {
  const page = await launchPage({ width: 1366, height: 768 })
  await page.goto(`http://127.0.0.1:${port}/dashboard`)
  await page.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 3, null, { timeout: 120000, polling: 100 })
  const shown = await page.evaluate(() => {
    const table = (id) => {
      const rows = {}
      document.querySelectorAll(`#${id} tbody tr[data-key]`).forEach((tr) => {
        const cells = {}
        tr.querySelectorAll('td[data-field]').forEach((td) => { cells[td.dataset.field] = td.textContent })
        rows[tr.dataset.key] = cells
      })
      return rows
    }
    return {
      nodes: table('nodes'), dialects: table('dialects'), negotiations: table('negotiations'), closes: table('closes'),
      rateIn: document.getElementById('rate-in').textContent,
      relayMean: document.getElementById('relay-mean').textContent,
      // usable on a laptop screen: nothing wider than the window
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth
    }
  })
  const screenshot = args('screenshot')
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true })
  return { shown, foreign }
}
