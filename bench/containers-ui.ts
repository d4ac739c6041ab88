// The container page in headless Chromium against the bench's `cdesk serve`: a line printed in the
// container → on screen in the Logs tab, and the Terminal tab's open → first prompt byte and
// keystroke → echo, each stamped in the page when the frame that shows it has been painted.
//
// A printed line: the container reads lines from a FIFO bind-mounted from here and echoes them to
// its stdout (so the line leaves the container at a time this process knows); the page stamps the
// first frame whose log rows hold it. Page stamps are mapped onto this clock (bench/clock.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium, ROOT } from '../test/helpers/serve';
import { clockOffset, now } from './clock';
import { cdeskRunArgs, removeViaApp, type ContainersEnv } from './containers';
import type { Row } from './row';

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => `${x.toFixed(1)} ms`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};
const p50p95 = (xs: number[]) => `${ms(pct(xs, 0.5))} / ${ms(pct(xs, 0.95))}`;

// Page scripts are strings: tsx's keepNames would add a helper the page does not have.

/** Stamps, per `mark-N` seen in the log rows, the epoch ms of the frame that painted it. */
const LOG_MARKS = `(() => {
  window.__marks = {};
  const stamp = () => performance.timeOrigin + performance.now();
  const afterPaint = (cb) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => cb(stamp());
    ch.port2.postMessage(0);
  });
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('[data-testid="container-log-row"]')) {
      const m = /mark-(\\d+)/.exec(row.textContent || '');
      if (m && !(m[1] in window.__marks)) {
        window.__marks[m[1]] = null;
        afterPaint((t) => (window.__marks[m[1]] = t));
      }
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;

/** The terminal's text, and helpers that time the prompt after Reopen and the echo of a key. */
const TERM = `(() => {
  const stamp = () => performance.now();
  const text = () => document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent || '';
  const afterPaint = (cb) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => cb(stamp());
    ch.port2.postMessage(0);
  });
  const until = (cond) => new Promise((resolve, reject) => {
    if (cond()) return afterPaint(resolve);
    const to = setTimeout(() => { mo.disconnect(); reject(new Error('timed out: ' + text().slice(-200))); }, 10000);
    const mo = new MutationObserver(() => {
      if (!cond()) return;
      mo.disconnect();
      clearTimeout(to);
      afterPaint(resolve);
    });
    mo.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  window.__term = {
    text,
    // Click Reopen; resolves with ms from the click to the painted frame holding the prompt.
    async reopen() {
      const b = [...document.querySelectorAll('[data-testid="terminal-pane"] button')].find((x) => x.textContent.trim() === 'Reopen');
      if (!b) throw new Error('no Reopen button');
      // Reopen makes a new xterm: wait for its rows, not the old screen's prompt.
      const rows = () => document.querySelector('[data-testid="terminal"] .xterm-rows');
      const old = rows();
      const t0 = stamp();
      b.click();
      const t1 = await until(() => rows() !== old && /#/.test(rows()?.textContent || ''));
      return t1 - t0;
    },
    // Arm before the key is pressed: resolves with ms from its keydown to the echo painted.
    arm(ch) {
      const count = () => text().split(ch).length - 1;
      const before = count();
      let t0 = null;
      const kd = () => { if (t0 === null) t0 = stamp(); };
      document.addEventListener('keydown', kd, true);
      window.__echo = until(() => count() > before).then((t1) => {
        document.removeEventListener('keydown', kd, true);
        return t1 - t0;
      });
    },
  };
})()`;

/** The container's page from its row on the Containers page, on `tab`, as a person gets there. */
async function openTab(env: ContainersEnv, page: Page, id: string, tab: string): Promise<void> {
  await page.goto(`${env.serve.info.url}#/containers`);
  const link = page
    .locator(`[data-testid="containers-table-row"][data-key="${id}"]`)
    .getByTestId('container-link');
  await link.waitFor({ state: 'visible', timeout: 20_000 });
  await link.click();
  await page.getByTestId(`cp-tab-${tab}`).click();
}

async function logRows(env: ContainersEnv, page: Page, rounds: number): Promise<Row[]> {
  const dir = mkdtempSync('/tmp/cdbc-fifo-');
  const fifo = join(dir, 'p');
  execFileSync('mkfifo', ['-m', '0600', fifo]);
  const id = `bench-log-${process.pid.toString(36)}`;
  const run = cdeskRunArgs({
    control: env.serve.control,
    image: env.img.name,
    name: id,
    cmd: ['sh', '-c', 'while :; do read l < /f/p && echo "$l"; done'],
    flags: ['--net', 'none', '-v', `${dir}:/f`],
  });
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'cdesk.cjs'), ...run], {
    stdio: 'ignore',
  });
  try {
    await openTab(env, page, id, 'logs');
    await page.evaluate(LOG_MARKS);
    await page
      .getByTestId('container-logs')
      .waitFor({ state: 'visible', timeout: 20_000 })
      .catch(async (e: unknown) => {
        await page.screenshot({ path: join(SHOTS, 'bench-container-logs-failed.png') });
        throw e;
      });
    const { offset } = await clockOffset(page, 20);
    const lat: number[] = [];
    for (let i = 0; i <= rounds; i++) {
      // Lines come at random phases of the page's follow timer, as a person's would.
      await sleep(150 + Math.random() * 400);
      const t0 = now();
      // Opening a FIFO for writing waits for the reader, which waits in `read` already.
      writeFileSync(fifo, `mark-${i}\n`);
      let painted: number | null = null;
      for (let k = 0; k < 400 && painted === null; k++) {
        painted = (await page.evaluate(`window.__marks[${i}] ?? null`)) as number | null;
        if (painted === null) await sleep(10);
      }
      if (painted === null) throw new Error(`mark-${i} never reached the window`);
      if (i > 0) lat.push(painted - offset - t0);
    }
    return [
      {
        metric: `a line printed in the container → painted in the window's Logs tab, p50 / p95 (${rounds} lines)`,
        ours: p50p95(lat),
        reference: 'target p95 ≤ 150 ms',
        ratio: `max ${ms(Math.max(...lat))}`,
      },
    ];
  } finally {
    await removeViaApp(env, [id]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function terminalRows(
  env: ContainersEnv,
  page: Page,
  opens: number,
  keys: number,
): Promise<Row[]> {
  const id = `bench-term-${process.pid.toString(36)}`;
  const run = cdeskRunArgs({
    control: env.serve.control,
    image: env.img.name,
    name: id,
    cmd: ['sleep', '1000'],
    flags: ['--net', 'none'],
  });
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'cdesk.cjs'), ...run], {
    stdio: 'ignore',
  });
  try {
    await openTab(env, page, id, 'terminal');
    await page.evaluate(TERM);
    const term = page.getByTestId('terminal');
    await term.waitFor({ state: 'visible', timeout: 20_000 });
    // Polled with evaluate: waitForFunction evaluates a string, which the page's CSP refuses.
    for (let k = 0; !((await page.evaluate('/#/.test(window.__term.text())')) as boolean); k++) {
      if (k > 400) throw new Error('the first shell never showed a prompt');
      await sleep(50);
    }
    const open: number[] = [];
    for (let i = 0; i < opens; i++) {
      await term.click();
      await page.keyboard.type('exit\r');
      await page.getByRole('button', { name: 'Reopen' }).waitFor({ timeout: 10_000 });
      await sleep(100);
      open.push((await page.evaluate('window.__term.reopen()')) as number);
    }
    await term.click();
    const echo: number[] = [];
    for (let i = 0; i < keys; i++) {
      await sleep(50 + Math.random() * 100);
      await page.evaluate(`window.__term.arm('q')`);
      await page.keyboard.press('q');
      echo.push((await page.evaluate('window.__echo')) as number);
      // Keep the line short: Ctrl-U clears it now and then.
      if (i % 20 === 19) {
        await page.keyboard.press('Control+u');
        await sleep(100);
      }
    }
    return [
      {
        metric: `open a terminal (Reopen) → first prompt painted, p50 / p95 (${opens} opens)`,
        ours: p50p95(open),
        reference: 'target p95 ≤ 300 ms',
        ratio: `max ${ms(Math.max(...open))}`,
      },
      {
        metric: `keystroke → echo painted in the window's terminal, p50 / p95 (${keys} keys)`,
        ours: p50p95(echo),
        reference: 'target p95 ≤ 30 ms',
        ratio: `max ${ms(Math.max(...echo))}`,
      },
    ];
  } finally {
    await removeViaApp(env, [id]);
  }
}

export async function benchContainersUi(env: ContainersEnv): Promise<Row[]> {
  if (!requireChromium())
    return [
      { metric: 'container page', ours: 'not measured', reference: 'needs chromium', ratio: '' },
    ];
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => process.stderr.write(`  page error: ${e.message}\n`));
    return [...(await logRows(env, page, 30)), ...(await terminalRows(env, page, 12, 60))];
  } finally {
    await browser?.close();
  }
}
