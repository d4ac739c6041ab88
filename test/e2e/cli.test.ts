// Every cdesk command end to end against a running `cdesk serve` with real containerd.
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../common/states';
import { requireContainerd } from '../helpers/engine';
import { CDESK, cdesk, ensureBuilt, startServe, waitFor, type Serve } from '../helpers/serve';

const have = requireContainerd();
let serve: Serve;
const c = (...args: string[]) => cdesk([...args, '--control', serve.control]);
const status = async () => JSON.parse((await c('status', '--json')).stdout) as DaemonStatus;

beforeAll(async () => {
  if (!have) return;
  ensureBuilt();
  serve = await startServe();
});

afterAll(async () => {
  if (!have) return;
  const code = await serve?.stop();
  const tokenLeft = existsSync(serve.info.tokenFile);
  serve?.cleanup();
  expect(code).toBe(0);
  // Kept for the next start, so an open tab gets back in.
  expect(tokenLeft).toBe(true);
});

describe.skipIf(!have)('cdesk commands against cdesk serve', () => {
  it('status: text and --json shapes, exit 0 while stopped', async () => {
    const text = await c('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^state:\s+stopped/m);
    const json = await c('status', '--json');
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout) as DaemonStatus;
    expect(s).toMatchObject({ state: 'stopped', pid: null, restarts: 0 });
    expect(s.paths.log).toBe(serve.logFile);
  });

  it('logs -f follows new lines while the daemon starts and ends quietly on Ctrl-C; start --wait exits 0 when running', async () => {
    const follower = spawn(
      process.execPath,
      [CDESK, 'daemon', 'logs', '-f', '--control', serve.control],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    follower.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    follower.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 300));
    expect(out).toBe('');

    const start = await c('daemon', 'start', '--wait', '--json');
    expect(start.code).toBe(0);
    const s = JSON.parse(start.stdout) as DaemonStatus;
    expect(s.state).toBe('running');
    expect(s.pid).toBeGreaterThan(0);
    expect(start.stderr).toMatch(/starting/);

    await waitFor(() => /containerd successfully booted/.test(out), 15_000, 'followed boot line');
    appendFileSync(
      serve.logFile,
      `time="${new Date().toISOString()}" level=warning msg="cli follow marker"\n`,
    );
    await waitFor(() => out.includes('cli follow marker'), 10_000, 'followed marker line');
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
    // A user's Ctrl-C is no alarm: nothing about the connection or the app quitting.
    expect(err).toBe('');
  });

  it('logs: prints the buffer; --level and --json filter and shape it', async () => {
    const all = await c('daemon', 'logs');
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n').length).toBeGreaterThan(10);
    const warn = await c('daemon', 'logs', '--level', 'warn', '--json');
    expect(warn.code).toBe(0);
    const lines = warn.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; seq: number });
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(['warn', 'error', 'fatal', 'panic']).toContain(l.level);
    expect((await c('daemon', 'logs', '--level', 'loud')).code).toBe(2);
  });

  it('restart: a new pid, still running', async () => {
    const before = await status();
    const r = await c('daemon', 'restart', '--json');
    expect(r.code).toBe(0);
    const after = JSON.parse(r.stdout) as DaemonStatus;
    expect(after.state).toBe('running');
    expect(after.pid).not.toBe(before.pid);
  });

  it('events: "watching" once subscribed, Ctrl-C ends quietly, --since replays the ring', async () => {
    const follow = (...args: string[]) => {
      const child = spawn(
        process.execPath,
        [CDESK, 'events', '-A', '--json', ...args, '--control', serve.control],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const got = { out: '', err: '' };
      child.stdout.setEncoding('utf8').on('data', (d: string) => (got.out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (got.err += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, got, exited };
    };
    const topics = (out: string) =>
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { topic: string }).topic);
    const socket = (await status()).paths.socket;
    const ns = `cli-events-${process.pid}`;

    const live = follow();
    await waitFor(() => /watching all namespaces/.test(live.got.err), 15_000, 'the watching line');
    execFileSync('ctr', ['-a', socket, 'namespaces', 'create', ns]);
    await waitFor(() => live.got.out.includes('/namespaces/create'), 15_000, 'the event');
    live.child.kill('SIGINT');
    expect(await live.exited).toBe(0);
    // The watching line, and nothing after it: Ctrl-C is not an alarm.
    expect(live.got.err).toMatch(/^cdesk events: watching all namespaces;[^\n]*\n$/);
    expect(topics(live.got.out)).toContain('/namespaces/create');

    const replay = follow('--since', '10m');
    await waitFor(() => /watching all namespaces after/.test(replay.got.err), 15_000, 'replay');
    replay.child.kill('SIGINT');
    expect(await replay.exited).toBe(0);
    expect(topics(replay.got.out)).toContain('/namespaces/create');
    execFileSync('ctr', ['-a', socket, 'namespaces', 'remove', ns]);
  });

  it('config: the TOML containerd runs with (text and --json)', async () => {
    const r = await c('daemon', 'config');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^version = 2/m);
    expect(r.stdout).toContain(`${serve.dir}/r/daemon`);
    const j = JSON.parse((await c('daemon', 'config', '--json')).stdout) as {
      toml: string;
      path: string;
    };
    expect(j.path).toBe(`${serve.stateDir}/containerd.toml`);
    expect(j.toml).toBe(
      r.stdout.endsWith('\n') && !j.toml.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout,
    );
  });

  it('a flood of long and non-UTF-8 log lines: serve keeps answering and cdesk logs reads past it', async () => {
    // Its own instance, with rotation out of the way: this is about replies, not about following
    // a rotated file.
    const s2 = await startServe({
      prefix: '/tmp/cdl-',
      settings: { logRotateBytes: 512 * 1024 * 1024 },
    });
    const c2 = (...args: string[]) => cdesk([...args, '--control', s2.control]);
    try {
      expect((await c2('daemon', 'start', '--wait')).code).toBe(0);
      const at = () => new Date().toISOString();
      // 300 lines of 64 KiB carrying invalid UTF-8, then one 20 MB line, then a marker.
      const long = Buffer.concat([
        Buffer.from(`time="${at()}" level=info msg="`),
        Buffer.alloc(64 * 1024, 0x61),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"\n'),
      ]);
      appendFileSync(s2.logFile, Buffer.concat(Array.from({ length: 300 }, () => long)));
      appendFileSync(
        s2.logFile,
        Buffer.concat([Buffer.alloc(20 * 1024 * 1024, 0x62), Buffer.from('\n')]),
      );
      appendFileSync(s2.logFile, `time="${at()}" level=warning msg="after the flood"\n`);
      await waitFor(
        async () =>
          (await c2('daemon', 'logs', '--grep', 'after the flood')).stdout.includes(
            'after the flood',
          ),
        90_000,
        'the marker after the flood',
      );
      const all = await c2('daemon', 'logs');
      expect(all.stderr).not.toMatch(/may have quit/);
      expect(all.code).toBe(0);
      expect(all.stdout).toContain('after the flood');
      expect((await c2('status')).code).toBe(0);
      expect(s2.child.exitCode).toBeNull();
      expect(await s2.stop()).toBe(0);
    } finally {
      s2.cleanup();
    }
  }, 180_000);

  it('settings get/set: values round-trip; a bad value exits 1 naming the field and saves nothing', async () => {
    const get = await c('settings', 'get', 'logLevel');
    expect(get).toMatchObject({ code: 0, stdout: 'info\n' });
    const all = JSON.parse((await c('settings', 'get', '--json')).stdout) as { file: string };
    expect(all.file).toBe(serve.settingsFile);

    const set = await c('settings', 'set', 'restart.backoffMaxMs', '20000');
    expect(set).toMatchObject({ code: 0, stdout: 'restart.backoffMaxMs = 20000\n' });
    const saved = readFileSync(serve.settingsFile, 'utf8');
    expect(JSON.parse(saved)).toMatchObject({ restart: { backoffMaxMs: 20000 } });

    const bad = await c('settings', 'set', 'restart.backoffInitialMs', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('restart.backoffInitialMs');
    // A negative number needs `--` so it is not read as an option.
    const badJson = await cdesk([
      'settings',
      'set',
      '--json',
      '--control',
      serve.control,
      '--',
      'restart.backoffInitialMs',
      '-5',
    ]);
    expect(badJson.code).toBe(1);
    const parsed = JSON.parse(badJson.stdout) as {
      ok: boolean;
      error: { fields: Array<{ field: string }> };
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.error.fields.map((f) => f.field)).toContain('restart.backoffInitialMs');
    expect(readFileSync(serve.settingsFile, 'utf8')).toBe(saved);

    expect((await c('settings', 'set', 'no.such', '1')).code).toBe(2);
    expect((await c('settings', 'frobnicate')).code).toBe(2);
  });

  it('stop: exits 0 once stopped', async () => {
    const r = await c('daemon', 'stop', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as DaemonStatus).state).toBe('stopped');
    expect((await status()).pid).toBeNull();
  });

  it('exit 3 when no app answers on --control', async () => {
    for (const cmd of [
      ['status'],
      ['daemon', 'start'],
      ['daemon', 'stop'],
      ['daemon', 'logs'],
      ['daemon', 'config'],
      ['start', 'web'],
      ['logs', 'web'],
      ['settings', 'get'],
    ]) {
      const r = await cdesk([...cmd, '--control', '/tmp/cdesk-missing.sock']);
      expect(r.code, cmd.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/no running Containerd Desktop/);
    }
    const j = await cdesk(['status', '--json', '--control', '/tmp/cdesk-missing.sock']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'no-app' } });
  });

  it('bad arguments exit 2', async () => {
    expect((await c('status', '--bogus')).code).toBe(2);
    expect((await c('status', 'extra')).code).toBe(2);
    expect((await c('daemon', 'start', '--timeout', '5')).code).toBe(2);
    expect((await cdesk(['frobnicate'])).code).toBe(2);
    const typo = await cdesk(['stauts']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /^cdesk: unknown command "stauts"; did you mean status\?\n\nusage:/,
    );
    const flag = await c('daemon', 'logs', '--sinse', '5m');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'cdesk daemon logs: unknown option --sinse; did you mean --since?\nRun `cdesk daemon logs --help` for usage.\n',
    );
    expect((await cdesk(['serve', '--port', 'abc'])).code).toBe(2);
    expect((await cdesk(['serve', '--port', '70000'])).code).toBe(2);
    expect((await cdesk(['serve', '--log-level', 'loud'])).code).toBe(2);
    for (const cmd of [['status'], ['run', 'busybox'], ['exec', 'c1', 'true'], ['ps']]) {
      const empty = await cdesk([cmd[0]!, '--control', '', ...cmd.slice(1)]);
      expect(empty.code, cmd.join(' ')).toBe(2);
      expect(empty.stderr).toMatch(
        /^cdesk \w+: --control needs the path of the app's control socket/,
      );
    }
    // A malformed -H URL is bad usage too, refused before anything is contacted.
    for (const cmd of [['status'], ['ps'], ['exec', 'c1', 'true'], ['logs', 'c1']]) {
      const bad = await cdesk(['-H', 'ssh://', ...cmd]);
      expect(bad.code, cmd.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^cdesk \w+: -H: "" is not a host name or address/);
    }
  });

  it('serve: a taken port is a clear error naming the port and --port (exit 1)', async () => {
    const r = await cdesk([
      'serve',
      '--port',
      String(serve.info.port),
      '--no-autostart',
      '--state',
      `${serve.dir}/s2`,
      '--control',
      `${serve.dir}/c2.sock`,
      '--settings',
      `${serve.dir}/settings2.json`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${serve.info.port}`);
    expect(r.stderr).toContain('--port');
    expect(existsSync(`${serve.dir}/c2.sock`)).toBe(false);
  });

  it('serve: CDESK_PORT sets the port when --port is absent; a bad one exits 2 naming it', async () => {
    const elsewhere = (n: number) => [
      'serve',
      '--no-autostart',
      '--state',
      `${serve.dir}/s-env${n}`,
      '--control',
      `${serve.dir}/c-env${n}.sock`,
      '--settings',
      `${serve.dir}/settings-env${n}.json`,
    ];
    // The variable is used: it names serve's own port, so this second serve finds it taken.
    const taken = await cdesk(elsewhere(1), 30_000, {
      ...process.env,
      CDESK_PORT: String(serve.info.port),
    });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`port ${serve.info.port}`);
    const bad = await cdesk(elsewhere(2), 30_000, { ...process.env, CDESK_PORT: 'http' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cdesk serve: CDESK_PORT must be a whole number from 0 to 65535/);
    expect(existsSync(`${serve.dir}/c-env2.sock`)).toBe(false);
  });

  it('serve: a control socket in use is refused (exit 1)', async () => {
    const r = await cdesk([
      'serve',
      '--port',
      '0',
      '--no-autostart',
      '--control',
      serve.control,
      '--state',
      `${serve.dir}/s3`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/in use/);
  });

  it('serve: a second supervisor on the same state dir fails cleanly and leaves the token alone', async () => {
    const before = readFileSync(serve.info.tokenFile, 'utf8');
    const other = `${serve.dir}/c4.sock`;
    const r = await cdesk([
      'serve',
      '--port',
      '0',
      '--no-autostart',
      '--state',
      serve.stateDir,
      '--root',
      `${serve.dir}/r`,
      '--control',
      other,
      '--settings',
      serve.settingsFile,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/another Containerd Desktop/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(serve.info.tokenFile, 'utf8')).toBe(before);
    expect(existsSync(other)).toBe(false);
    expect((await c('status')).code).toBe(0);
  });

  it('serve: an unusable XDG_RUNTIME_DIR is an error naming the folder and the fix, no stack trace', async () => {
    // As root nothing is unwritable; a file where the folder should be fails the same way.
    const file = `${serve.dir}/not-a-dir`;
    writeFileSync(file, '');
    const env = { ...process.env, XDG_RUNTIME_DIR: file };
    const r = await cdesk(
      [
        'serve',
        '--port',
        '0',
        '--no-autostart',
        '--state',
        `${serve.dir}/s5`,
        '--root',
        `${serve.dir}/r5`,
        '--settings',
        `${serve.dir}/settings5.json`,
      ],
      30_000,
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}/containerd-desktop`);
    expect(r.stderr).toMatch(/XDG_RUNTIME_DIR/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('serve: a control folder other users can write to is refused', async () => {
    const shared = `${serve.dir}/shared`;
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const r = await cdesk([
      'serve',
      '--port',
      '0',
      '--no-autostart',
      '--state',
      `${serve.dir}/s6`,
      '--control',
      `${shared}/c.sock`,
      '--settings',
      `${serve.dir}/settings6.json`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing the control socket folder/);
    expect(r.stderr).toContain('chmod 700');
    expect(existsSync(`${shared}/c.sock`)).toBe(false);
  });

  it('serve: a closed stdout (serve --json | head -1) does not stop supervision', async () => {
    const s2 = await startServe({ prefix: '/tmp/cdp-' });
    try {
      // The reader went away, as `| head -1` does after the first line.
      s2.child.stdout!.destroy();
      const started = await cdesk(['daemon', 'start', '--wait', '--control', s2.control]);
      expect(started.code).toBe(0);
      // The state lines of that start went to the closed pipe.
      await new Promise((r) => setTimeout(r, 500));
      expect(s2.child.exitCode).toBeNull();
      const st = await cdesk(['status', '--json', '--control', s2.control]);
      expect((JSON.parse(st.stdout) as DaemonStatus).state).toBe('running');
      expect(await s2.stop()).toBe(0);
    } finally {
      s2.cleanup();
    }
  });

  it('serve: the token file is private and matches the URL', () => {
    const text = readFileSync(serve.info.tokenFile, 'utf8').trim();
    expect(text).toBe(serve.info.token);
    expect(statSync(serve.info.tokenFile).mode & 0o777).toBe(0o600);
    expect(serve.info.url).toBe(`http://127.0.0.1:${serve.info.port}/?token=${serve.info.token}`);
    expect(Buffer.from(serve.info.token, 'base64url')).toHaveLength(32);
  });
});
