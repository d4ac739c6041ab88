// `cdesk host add / ls / rm` on a real hosts file: saved atomically, bad input refused naming the field, nothing changed.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as host } from '../../../main/cli/cmd-host';
import { defaultHostsFile, readHosts, resolveHost } from '../../../main/hosts/hosts-file';
import { captureIo } from '../../helpers/cli-io';

let dir: string;
let file: string;
const env = () => ({ XDG_CONFIG_HOME: join(dir, 'cfg'), XDG_RUNTIME_DIR: join(dir, 'run') });

function io() {
  const o = captureIo();
  o.env = env();
  return o;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-hosts-'));
  file = defaultHostsFile(env());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the hosts file', () => {
  it('lives next to settings.json in the XDG config dir', () => {
    expect(file).toBe(join(dir, 'cfg', 'containerd-desktop', 'hosts.json'));
  });

  it('host add saves a host (0600, folder 0700) and host rm removes it', async () => {
    const key = join(dir, 'id_test');
    writeFileSync(key, 'k');
    const o = io();
    expect(await host(['add', 'r', 'ssh://me@127.0.0.1:2222', '--identity', key], o)).toBe(0);
    expect(o.stdout).toMatch(/Saved r \(ssh:\/\/me@127.0.0.1:2222\); try: cdesk -H r status/);
    expect(await host(['add', 'b', 'ssh://box'], io())).toBe(0);
    expect(await readHosts(file)).toEqual([
      { name: 'r', url: 'ssh://me@127.0.0.1:2222', identity: key },
      { name: 'b', url: 'ssh://box' },
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cfg', 'containerd-desktop')).mode & 0o777).toBe(0o700);
    expect(await resolveHost(file, 'r')).toEqual({
      label: 'r',
      url: 'ssh://me@127.0.0.1:2222',
      user: 'me',
      host: '127.0.0.1',
      port: 2222,
      identity: key,
    });
    expect(await host(['rm', 'r'], io())).toBe(0);
    expect((await readHosts(file)).map((h) => h.name)).toEqual(['b']);
  });

  it('refuses bad input with the field and the fix, and changes nothing', async () => {
    expect(await host(['add', 'r', 'ssh://me@box'], io())).toBe(0);
    const before = readFileSync(file, 'utf8');
    const cases: [string[], RegExp][] = [
      [
        ['add', 'r', 'ssh://other@box'],
        /NAME: a host named "r" is already saved[\s\S]*cdesk host rm r/,
      ],
      [['add', 'x', 'box'], /URL: "box" is not a host URL; the form is ssh:\/\/user@host/],
      [['add', 'x', 'ssh://me@box:70000'], /URL: the port "70000"/],
      [['add', 'local', 'ssh://me@box'], /NAME: "local" is this machine's own app/],
      [['add', '--', '-bad', 'ssh://me@box'], /NAME: "-bad" is not a host name/],
      [
        ['add', 'x', 'ssh://me@box', '--identity', join(dir, 'nope')],
        /--identity: .*nope cannot be read \(ENOENT\)/,
      ],
    ];
    for (const [argv, why] of cases) {
      const o = io();
      const code = await host(argv, o);
      expect(code, argv.join(' ')).toBe(2);
      expect(o.stderr + o.stdout).toMatch(why);
    }
    const rm = io();
    expect(await host(['rm', 'nope'], rm)).toBe(1);
    expect(rm.stderr).toMatch(/no saved host named "nope" \(saved: r\)/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a damaged file is an error naming the field, and is left as it is', async () => {
    mkdirSync(join(dir, 'cfg', 'containerd-desktop'), { recursive: true });
    const bad = JSON.stringify({ version: 1, hosts: [{ name: 'r', url: 'ftp://x' }] });
    writeFileSync(file, bad);
    const o = io();
    expect(await host(['add', 'b', 'ssh://box'], o)).toBe(1);
    expect(o.stderr).toMatch(
      /hosts file .*hosts\.json is invalid: hosts\[0\]\.url: "ftp:\/\/" is not supported/,
    );
    expect(o.stderr).toMatch(/hint: Fix or remove/);
    expect(readFileSync(file, 'utf8')).toBe(bad);
    writeFileSync(file, '{not json');
    const o2 = io();
    expect(await host(['ls'], o2)).toBe(1);
    expect(o2.stderr).toMatch(/is not JSON/);
  });

  it('an unreadable or non-regular file is refused, not waited on', async () => {
    mkdirSync(file, { recursive: true });
    await expect(readHosts(file)).rejects.toThrow(/is not a regular file/);
    rmSync(file, { recursive: true });
    writeFileSync(file, 'x'.repeat(300 * 1024));
    await expect(readHosts(file)).rejects.toThrow(/larger than/);
    chmodSync(file, 0o600);
  });

  it('host ls shows every host, unreachable ones with the reason', async () => {
    expect(await host(['add', 'gone', 'ssh://me@127.0.0.1:1'], io())).toBe(0);
    const o = io();
    o.env = { ...o.env, CDESK_SSH_CONFIG: '/dev/null' };
    expect(await host(['ls', '--json'], o)).toBe(0);
    const rows = JSON.parse(o.stdout) as {
      name: string;
      state: string;
      error?: { code: string };
    }[];
    expect(rows.map((r) => [r.name, r.state, r.error?.code])).toEqual([
      ['local', 'unreachable', 'no-app'],
      ['gone', 'unreachable', 'ssh-unreachable'],
    ]);
    const t = io();
    t.env = { ...t.env, CDESK_SSH_CONFIG: '/dev/null' };
    expect(await host(['ls'], t)).toBe(0);
    expect(t.stdout).toMatch(/^NAME +URL +KIND +STATE +CONTAINERD +LATENCY\nlocal /);
    expect(t.stdout).toMatch(/gone +ssh:\/\/me@127.0.0.1:1 +app +unreachable +- +-/);
    expect(t.stdout).toMatch(/^gone \(ssh:\/\/me@127.0.0.1:1\): connection refused/m);
  });
});
