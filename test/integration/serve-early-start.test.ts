// `cdesk serve` starts containerd alongside its HTTP server: the address line stays first, and a failed start-up stops the daemon it started.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidsWithArg, requireContainerd, tempDir, until } from '../helpers/engine';
import { CDESK, ensureBuilt } from '../helpers/serve';

const have = requireContainerd();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** `cdesk serve` with autostart (the default) in a fresh short temp dir. */
function serve(extra: string[]) {
  const { dir, cleanup } = tempDir('cse-');
  cleanups.push(cleanup);
  const state = join(dir, 's');
  ensureBuilt();
  const child = spawn(
    process.execPath,
    [
      CDESK,
      'serve',
      '--json',
      '--state',
      state,
      '--root',
      join(dir, 'r'),
      '--containerd',
      '/usr/bin/containerd',
      '--settings',
      join(dir, 'settings.json'),
      '--control',
      join(dir, 'c.sock'),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, stderr: () => stderr, exit, state };
}

describe.skipIf(!have)('cdesk serve starts containerd early', () => {
  it('prints its address first, then every state event from the start, and stops cleanly', async () => {
    const s = serve(['--port', '0']);
    await until(() => s.lines.some((l) => l.includes('"state":"running"')), 30_000, 'running');
    const first = JSON.parse(s.lines[0]!) as { url?: string; token?: string };
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(first.token).toBeTruthy();
    const states = s.lines.slice(1).map((l) => (JSON.parse(l) as { state: string }).state);
    // Nothing emitted before the address line was lost: the very first transition is there.
    expect(states[0]).toBe('starting');
    expect(states).toContain('running');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(pidsWithArg(join(s.state, 'containerd.toml'))).toEqual([]);
  });

  it('on a taken port: exit 1 naming the port, and the containerd it started is stopped', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    cleanups.push(() => taken.close());
    const port = (taken.address() as { port: number }).port;
    const s = serve(['--port', String(port)]);
    expect(await s.exit).toBe(1);
    expect(s.stderr()).toContain(`port ${port}`);
    expect(pidsWithArg(join(s.state, 'containerd.toml'))).toEqual([]);
  });
});
