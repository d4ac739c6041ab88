// Greedy clients: 200 control connections each pipelining big log reads they never read, while
// `cdesk status` is timed against the same `cdesk serve` (nothing one client does may stall another).
import { appendFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { helloFrame } from '../common/rpc';
import { cdesk, ensureBuilt, startServe } from '../test/helpers/serve';
import type { Row } from './row';

const CLIENTS = 200;
/**
 * Half pipeline more reads than the 32 the server lets wait (closed for it at once), half fewer
 * (each gets one 4 MiB reply it never reads, then holds its place).
 */
const READS = [40, 20];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timedStatus(control: string): Promise<number> {
  const t0 = performance.now();
  const r = await cdesk(['status', '--json', '--control', control]);
  if (r.code !== 0) throw new Error(`cdesk status failed: ${r.stderr}`);
  return performance.now() - t0;
}

/** A connection that says hello, then sends `reads` 4 MiB log reads and never reads a byte. */
function greedy(control: string, reads: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(control, () => {
      s.pause();
      let text = `${helloFrame()}\n`;
      for (let i = 0; i < reads; i++)
        text += `${JSON.stringify({ id: i + 1, cmd: 'logs:read', payload: { maxBytes: 4 * 1024 * 1024 } })}\n`;
      s.write(text);
      resolve(s);
    });
    s.on('error', reject);
  });
}

export async function benchGreedyClients(): Promise<Row[]> {
  ensureBuilt();
  const serve = await startServe({ prefix: '/tmp/cdg-' });
  const sockets: Socket[] = [];
  try {
    const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    if (started.code !== 0) throw new Error(`cdesk start failed: ${started.stderr}`);
    // A full ring, so each read asks for megabytes: 20,000 lines of ~1 KiB in containerd's log.
    const pad = 'x'.repeat(1000);
    let lines = '';
    for (let i = 0; i < 20_000; i++)
      lines += `time="${new Date().toISOString()}" level=info msg="greedy bench ${i} ${pad}"\n`;
    appendFileSync(serve.logFile, lines);
    await new Promise((r) => setTimeout(r, 3000));
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push(await timedStatus(serve.control));
    // 64 connections at once: past that, one idle or not reading for a second gives its place.
    for (let i = 0; i < CLIENTS; i++) {
      const s = await greedy(serve.control, READS[i % 2]!).catch(() => null);
      if (s) {
        s.on('error', () => undefined);
        sockets.push(s);
      }
    }
    const busy: number[] = [];
    for (let i = 0; i < 7; i++) busy.push(await timedStatus(serve.control));
    const m = median(busy);
    return [
      {
        metric: `${CLIENTS} control connections pipelining ${READS.join(' or ')} 4 MiB log reads each, never reading: \`cdesk status\` wall time (median of 7)`,
        ours: `${m.toFixed(0)} ms (max ${Math.max(...busy).toFixed(0)} ms)`,
        reference: `${median(idle).toFixed(0)} ms idle; target < 1 s`,
        ratio: `${(m / Math.max(median(idle), 1)).toFixed(2)}× idle`,
      },
    ];
  } finally {
    for (const s of sockets) s.destroy();
    await serve.stop();
    serve.cleanup();
  }
}
