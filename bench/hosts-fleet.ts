// The hosts hub with a fleet of 50 hosts (stand-ins speaking the real control protocol, in a
// child process): time until all are up, a host's state change → hosts:changed, and the hub's
// CPU while the fleet idles (one status sample per host every 5 s).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AnyEvent } from '../common/contract';
import { connectControl } from '../main/control-socket/control-client';
import { createHostHub } from '../main/hosts/host-hub';
import { median, type Row } from './row';

const FLEET = 50;
const IDLE_MS = 30_000;
const ms = (x: number) => `${x.toFixed(1)} ms`;

export async function benchHostsFleet(): Promise<Row[]> {
  const dir = mkdtempSync('/tmp/cdfleet-');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fleet-hosts.ts'), dir, String(FLEET)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fleet exited with ${code}`)));
    });
    const socks = (JSON.parse(first) as { socks: Record<string, string> }).socks;
    const file = join(dir, 'cfg', 'hosts.json');
    mkdirSync(join(dir, 'cfg'));
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        hosts: Object.keys(socks).map((n) => ({ name: n, url: `ssh://me@${n}.example` })),
      }),
    );
    const t0 = performance.now();
    const hub = createHostHub({ file, connect: (t) => connectControl(socks[t.label]!) });
    const events: { at: number; e: AnyEvent }[] = [];
    hub.onEvent((e) => events.push({ at: performance.now(), e }));
    try {
      while (hub.list().filter((h) => h.state === 'running').length < FLEET) {
        if (performance.now() - t0 > 30_000) throw new Error('the fleet did not come up in 30 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      const allUp = performance.now() - t0;

      // Idle: the links sample, nothing changes.
      await new Promise((r) => setTimeout(r, 2000));
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const used = process.cpuUsage(cpu0);
      const idlePct = ((used.user + used.system) / 1000 / (performance.now() - w0)) * 100;

      // A host's containerd changes state: how soon its row reaches the window.
      const lat: number[] = [];
      for (let i = 0; i < 10; i++) {
        const name = `h${String((i * 7) % FLEET).padStart(2, '0')}`;
        const state = i % 2 ? 'running' : 'stopped';
        const from = events.length;
        const sent = performance.now();
        child.stdin!.write(`${name} ${state}\n`);
        for (;;) {
          const hit = events
            .slice(from)
            .find(
              (x) =>
                x.e.event === 'hosts:changed' &&
                x.e.payload.host.name === name &&
                x.e.payload.host.state === state,
            );
          if (hit) {
            lat.push(hit.at - sent);
            break;
          }
          if (performance.now() - sent > 5000) throw new Error(`no hosts:changed for ${name}`);
          await new Promise((r) => setTimeout(r, 1));
        }
        if (state === 'stopped') child.stdin!.write(`${name} running\n`);
        await new Promise((r) => setTimeout(r, 300));
      }
      return [
        {
          metric: `hosts hub: ${FLEET} hosts connected and sampled`,
          ours: ms(allUp),
          reference: 'fixture hosts over unix sockets',
          ratio: '',
        },
        {
          metric: `hosts hub: state change on one of ${FLEET} → hosts:changed (median of 10)`,
          ours: ms(median(lat)),
          reference: 'target ≤ 2000 ms',
          ratio: `max ${ms(Math.max(...lat))}`,
        },
        {
          metric: `hosts hub: idle CPU with ${FLEET} links (${IDLE_MS / 1000} s)`,
          ours: `${idlePct.toFixed(2)} % of a core`,
          reference: 'target ≤ 1 %',
          ratio: 'one status sample per host every 5 s',
        },
      ];
    } finally {
      hub.dispose();
    }
  } finally {
    child.stdin!.end();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
