// `cdesk version` against a real control socket (a fake engine behind the service), and with no app.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as version, versionLine } from '../../../main/cli/cmd-version';
import { PROTOCOL_VERSION } from '../../../common/rpc';
import { version as packageVersion } from '../../../package.json';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine, status } from '../service/fake-engine';

let h: ControlHarness;
let engine: FakeEngine;
beforeEach(async () => {
  engine = new FakeEngine();
  h = await startControlHarness({ prefix: 'cdesk-ver-', engine });
});
afterEach(() => h.close());

describe('cdesk version', () => {
  it('prints the client, then the app and its containerd', async () => {
    engine.current = status('running', {
      version: { version: '1.6.20', revision: '0123456789abcdef0123' },
    });
    const o = io();
    expect(await version(['--control', h.sock], o)).toBe(0);
    expect(o.stderr).toBe('');
    expect(o.stdout).toBe(
      `Client:\n Version:    ${packageVersion}\n Protocol:   ${PROTOCOL_VERSION}\n Node:       ${process.version}\n\n` +
        `Server: Containerd Desktop (headless)\n Version:    t\n Protocol:   ${PROTOCOL_VERSION}\n containerd: 1.6.20 (0123456789ab), running\n`,
    );
  });

  it('says when containerd has not told its version yet; --json has both parts', async () => {
    engine.current = status('starting');
    const o = io();
    expect(await version(['--control', h.sock], o)).toBe(0);
    expect(o.stdout).toMatch(
      / containerd: starting \(its version is known once it has answered\)\n$/,
    );
    const j = io();
    expect(await version(['--json', '--control', h.sock], j)).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      client: { version: packageVersion, protocol: PROTOCOL_VERSION, node: process.version },
      server: {
        version: 't',
        protocol: PROTOCOL_VERSION,
        mode: 'headless',
        containerd: { state: 'starting', version: null },
      },
    });
  });

  it('prints the client part with no app, says how to start one, and exits 3', async () => {
    const none = join(tmpdir(), `cdesk-ver-none-${process.pid}.sock`);
    const o = io();
    expect(await version(['--control', none], o)).toBe(3);
    expect(o.stdout).toMatch(/^Client:\n Version: /);
    expect(o.stdout).not.toMatch(/Server/);
    expect(o.stderr).toMatch(
      /^cdesk version: no running Containerd Desktop at .*\n {2}hint: Start one/,
    );
    const j = io();
    expect(await version(['--json', '--control', none], j)).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({
      client: { version: packageVersion },
      server: null,
    });
  });

  it('refuses arguments; --version is one line without the app', async () => {
    await expect(version(['extra'], io())).rejects.toThrow(/unexpected argument extra/);
    expect(versionLine()).toBe(`cdesk version ${packageVersion}, protocol ${PROTOCOL_VERSION}\n`);
  });
});
