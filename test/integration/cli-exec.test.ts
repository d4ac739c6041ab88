// `cdesk exec` as a user runs it (the built CLI, a real control socket, real containerd): exit
// codes, stdin, stdout/stderr apart, -it under a real pseudo-terminal (tmux), a killed client.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { CDESK, ensureBuilt } from '../helpers/serve';

const have = requireContainerd();
const can = canRunContainers();

let f: InsideFixture;
let h: ControlHarness;
const logged: string[] = [];
let seq = 0;
let c1 = '';

beforeEach(async () => {
  if (!have || !can.ok) return;
  ensureBuilt();
  f = await startInside();
  h = await startControlHarness({
    prefix: 'cd-exec-',
    engine: f.engine,
    inside: f.inside,
    logInfo: (m) => logged.push(m),
  });
  c1 = `cli-exec-${process.pid}-${++seq}`;
  ctr(f.socket, 'default', ['run', '-d', f.img.name, c1]);
});
afterEach(async () => {
  if (!have || !can.ok) return;
  await h.close();
  await f.dispose();
});
afterAll(() => removeBuiltImage());

function cdesk(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CDESK, 'exec', '--control', h.sock, ...args],
      { timeout: 30_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Exec processes containerd still has for the task (ctr tasks ps lists exec ids). */
function execIds(id: string): string[] {
  return ctr(f.socket, 'default', ['tasks', 'ps', id])
    .split('\n')
    .filter((l) => l.includes('cdesk-exec-'));
}

describe.skipIf(!have || !can.ok)('cdesk exec (built CLI, real containerd)', () => {
  it("exits with the command's code and keeps stdout and stderr apart", async () => {
    const r = await cdesk([c1, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    expect(logged.at(-1)).toMatch(
      new RegExp(`^exec via control socket: container default/${c1}: \\["sh","-c",`),
    );
  });

  it('forwards stdin with -i (echo hi | cdesk exec -i c1 cat)', async () => {
    expect(await cdesk(['-i', c1, 'cat'], 'hi\n')).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    // Without -i nothing is read: cat sees no input and ends at once.
    expect(await cdesk([c1, 'cat'], 'ignored\n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('carries more than the flow-control window both ways', async () => {
    const big = 'x'.repeat(700 * 1024) + '\n';
    const r = await cdesk(['-i', c1, 'cat'], big);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(big.length);
  });

  it('answers 127 / 126 like docker, with containerd’s message', async () => {
    const missing = await cdesk([c1, 'no-such-cmd']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/no-such-cmd.*executable file not found/);
    expect((await cdesk([c1, '/bin'])).code).toBe(126);
  });

  it('refuses bad input with the fix, and -it without a terminal', async () => {
    const stopped = await cdesk(['nope-container', 'true']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/there is no container nope-container in namespace default/);
    const wrongNs = await cdesk(['-n', 'nons', c1, 'true']);
    expect(wrongNs.code).toBe(1);
    expect(wrongNs.stderr).toMatch(
      /there is no container \S+ in namespace nons\n\s+hint: A container \S+ exists in namespace default: pass -n default\./,
    );
    const it = await cdesk(['-it', c1, 'sh']);
    expect(it.code).toBe(1);
    expect(it.stderr).toMatch(/the input device is not a TTY/);
    const env = await cdesk(['-e', 'NOEQUALS', c1, 'true']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/-e needs KEY=VALUE/);
    const noCmd = await cdesk([c1]);
    expect(noCmd.code).toBe(2);
    const rel = await cdesk(['-w', 'tmp', c1, 'pwd']);
    expect(rel.code).toBe(2);
    expect(rel.stderr).toMatch(/^cdesk exec: -w tmp: must be an absolute path in the container/);
    const user = await cdesk(['-u', 'a b', c1, 'id']);
    expect(user.code).toBe(2);
    expect(user.stderr).toMatch(/^cdesk exec: -u "a b": must be USER, UID/);
    // What only the app checks is bad usage too, said once.
    const many = await cdesk([c1, 'echo', ...Array.from({ length: 4100 }, (_, i) => String(i))]);
    expect(many.code).toBe(2);
    expect(many.stderr).toBe(
      'cdesk exec: exec:start: invalid payload: args: Too big: expected array to have <=4096 items\n  hint: fix the named fields and send the command again\n',
    );
  });

  it('a reader that stops early (| head) ends exec and logs quietly, exit 0', async () => {
    const ctl = ['--control', h.sock];
    const closedEarly = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CDESK, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.stdout.once('data', () => child.stdout.destroy());
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const exec = await closedEarly(['exec', ...ctl, c1, 'sh', '-c', 'head -c 3000000 /dev/zero']);
    expect(exec).toEqual({ code: 0, stderr: '' });
    await until(() => execIds(c1).length === 0, 10_000, 'exec process gone');

    const logged = `cli-exec-logs-${process.pid}-${seq}`;
    const run = spawn(process.execPath, [
      CDESK,
      'run',
      ...ctl,
      '-d',
      '--name',
      logged,
      f.img.name,
      'sh',
      '-c',
      'head -c 3000000 /dev/zero; sleep 1000',
    ]);
    await new Promise((r) => run.once('exit', r));
    try {
      const logs = await closedEarly(['logs', ...ctl, logged]);
      expect(logs).toEqual({ code: 0, stderr: '' });
    } finally {
      ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', logged]);
    }
  });

  it('kills the exec process when the client is killed', async () => {
    const child = spawn(
      process.execPath,
      [CDESK, 'exec', '--control', h.sock, c1, 'sleep', '1000'],
      {
        stdio: 'ignore',
      },
    );
    await until(() => execIds(c1).length === 1, 10_000, 'exec running');
    child.kill('SIGKILL');
    await until(() => execIds(c1).length === 0, 10_000, 'exec process gone');
  });

  it('-it runs a shell on a real terminal: $((6*7)), stty size, Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-tmux-'));
    const tsock = join(dir, 'tmux.sock');
    const tmux = (...a: string[]) =>
      execFileSync('tmux', ['-S', tsock, ...a], { encoding: 'utf8' });
    const out = join(dir, 'code');
    try {
      tmux(
        'new-session',
        '-d',
        '-x',
        '97',
        '-y',
        '31',
        '-s',
        'x',
        `${process.execPath} ${CDESK} exec --control ${h.sock} -it ${c1} sh; echo "exit=$?" > ${out}; sleep 30`,
      );
      const screen = () => tmux('capture-pane', '-p', '-t', 'x');
      const wait = (cond: () => boolean, what: string) =>
        until(cond, 10_000, what).catch((err: Error) => {
          throw new Error(`${err.message}; the screen:\n${screen()}`);
        });
      // capture-pane drops a line's trailing blanks: the bare prompt reads "/ #".
      await wait(() => /^\/ #/m.test(screen()), 'prompt');
      // busybox asks the terminal where the cursor is (ESC[6n); an answer that arrives after it
      // started reading lands in the line being edited: clear the line first (Ctrl-U).
      const type = (line: string) => {
        tmux('send-keys', '-t', 'x', 'C-u');
        tmux('send-keys', '-t', 'x', line, 'Enter');
      };
      type('echo $((6*7)); stty size');
      await wait(() => /^42$/m.test(screen()) && /^31 97$/m.test(screen()), 'answers');
      // Resize the window: the shell's terminal follows (SIGWINCH → resize frame).
      tmux('resize-window', '-t', 'x', '-x', '80', '-y', '24');
      // The resize travels beside the keystrokes (its own frame and a ResizePty call): ask
      // again until the new size shows, as a user re-running stty would.
      let asked = 0;
      await wait(() => {
        if (/^24 80$/m.test(screen())) return true;
        if (Date.now() - asked > 500) {
          asked = Date.now();
          type('clear; stty size');
        }
        return false;
      }, 'resized');
      // Ctrl-C reaches the process in the container, not cdesk.
      type('sleep 100');
      await new Promise((r) => setTimeout(r, 300));
      tmux('send-keys', '-t', 'x', 'C-c');
      type('echo still-here');
      await wait(() => /^still-here$/m.test(screen()), 'shell survived Ctrl-C');
      type('exit 3');
      await until(
        () => existsSync(out) && readFileSync(out, 'utf8').includes('exit='),
        10_000,
        'cdesk exited',
      );
      expect(readFileSync(out, 'utf8').trim()).toBe('exit=3');
    } finally {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
