// Another machine over SSH, measured on this one: `cdesk -H r status` (sshd on 127.0.0.1 in front of a
// `cdesk serve`) beside local `cdesk status` against the same app and `ssh … true` alone; and one
// status round trip over an open ssh link beside one over the local socket.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseHostUrl } from '../common/hosts';
import { connectControl, type ControlClient } from '../main/control-socket/control-client';
import { connectSsh } from '../main/control-socket/ssh-link';
import { CDESK, cdesk as runCdesk, ensureBuilt, startServe } from '../test/helpers/serve';
import { startSshd } from '../test/helpers/sshd';
import { wallTime } from './cli';
import { median, type Row } from './row';

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function roundTrips(c: ControlClient, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const r = await c.invoke('daemon:status', {});
    if (!r.ok) throw new Error(r.error.message);
    if (i > 0) out.push(performance.now() - t0);
  }
  return out;
}

export async function benchHostsRows(n = 10): Promise<Row[]> {
  ensureBuilt();
  const dir = mkdtempSync('/tmp/cdb-');
  // `cdesk dial-stdio` on the "remote" side finds the app under its XDG_RUNTIME_DIR.
  const runtime = join(dir, 'run');
  const appDir = join(runtime, 'containerd-desktop');
  mkdirSync(appDir, { recursive: true, mode: 0o700 });
  const serve = await startServe({ dir: appDir });
  const sshd = await startSshd({ XDG_RUNTIME_DIR: runtime });
  try {
    const started = await runCdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    if (started.code !== 0) throw new Error(`cdesk start failed: ${started.stderr}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: join(dir, 'cfg'),
      CDESK_SSH_CONFIG: sshd.clientConfig,
    };
    delete env.CDESK_HOST;
    const add = await runCdesk(['host', 'add', 'r', sshd.url, '--identity', sshd.key], 30_000, env);
    if (add.code !== 0) throw new Error(`cdesk host add failed: ${add.stderr}`);
    const cmds = {
      node: [process.execPath, '-e', '0'],
      local: [process.execPath, CDESK, 'status', '--control', serve.control],
      remote: [process.execPath, CDESK, '-H', 'r', 'status'],
      ssh: [
        'ssh',
        '-F',
        sshd.clientConfig,
        '-o',
        'BatchMode=yes',
        '-p',
        String(sshd.port),
        '-i',
        sshd.key,
        '-l',
        sshd.user,
        '127.0.0.1',
        'true',
      ],
    };
    const s: Record<keyof typeof cmds, number[]> = { node: [], local: [], remote: [], ssh: [] };
    // Interleaved round by round (a shared machine drifts); round 0 only warms the caches.
    for (let round = 0; round <= n; round++) {
      for (const key of Object.keys(cmds) as (keyof typeof cmds)[]) {
        const t = await wallTime(cmds[key], env);
        if (round > 0) s[key].push(t);
      }
    }
    const target = parseHostUrl(sshd.url, 'r', sshd.key);
    if (!target.ok) throw new Error(target.error);
    const overSsh = await connectSsh(target.target, { env });
    const overSocket = await connectControl(serve.control);
    let linkRt: number[];
    let localRt: number[];
    try {
      linkRt = await roundTrips(overSsh, 50);
      localRt = await roundTrips(overSocket, 50);
    } finally {
      overSsh.close();
      overSocket.close();
    }
    const [node, local, remote, ssh] = [s.node, s.local, s.remote, s.ssh].map(median) as [
      number,
      number,
      number,
      number,
    ];
    return [
      {
        metric: `\`cdesk -H r status\` over ssh to 127.0.0.1, wall time (median of ${n}, interleaved)`,
        ours: ms(remote),
        reference: `local \`cdesk status\` ${ms(local)}; \`ssh … true\` alone ${ms(ssh)}; \`node -e 0\` ${ms(node)}`,
        ratio: `+${ms(remote - local)} over local ≈ ssh's own cost + the remote cdesk's start (${((remote - local - ssh) / node).toFixed(1)}× node -e 0)`,
      },
      {
        metric: 'status round trip over an open ssh link (median of 50)',
        ours: ms(median(linkRt)),
        reference: `over the local control socket ${ms(median(localRt))}`,
        ratio: `${(median(linkRt) / median(localRt)).toFixed(1)}×`,
      },
    ];
  } finally {
    await sshd.stop();
    await serve.stop();
    serve.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node --import tsx bench/hosts.ts [N]`: these rows alone.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const rows = await benchHostsRows(Number(process.argv[2] ?? 10));
  for (const r of rows)
    process.stdout.write(`${r.metric}: ${r.ours} (${r.reference}; ${r.ratio})\n`);
  process.exit(0);
}
