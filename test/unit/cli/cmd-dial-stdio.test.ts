// `cdesk dial-stdio`: the control protocol's bytes copied both ways between stdio and the app's socket.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as dial, type DialIo } from '../../../main/cli/cmd-dial-stdio';
import { captureIo, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine } from '../service/fake-engine';

let h: ControlHarness;
beforeEach(async () => {
  h = await startControlHarness({ prefix: 'cdesk-dial-', engine: new FakeEngine() });
});
afterEach(() => h.close());

function dialIo() {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let buf = '';
  output.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  // Object.assign, not a spread: captureIo's out/err write into the object it returned.
  return Object.assign(captureIo(), { input, output, lines }) satisfies DialIo;
}

const until = async (cond: () => boolean) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('cdesk dial-stdio', () => {
  it('carries the hello and a request to the app and its answers back, and ends with stdin', async () => {
    const io = dialIo();
    const done = dial(['--control', h.sock], io);
    io.input.write('{"hello":{"protocol":1}}\n');
    await until(() => io.lines.length === 1);
    expect(JSON.parse(io.lines[0]!)).toMatchObject({ hello: { protocol: 1 } });
    io.input.write('{"id":1,"cmd":"daemon:status","payload":{}}\n');
    await until(() => io.lines.length === 2);
    expect(JSON.parse(io.lines[1]!)).toMatchObject({
      id: 1,
      result: { ok: true, value: { state: 'stopped' } },
    });
    io.input.end();
    expect(await done).toBe(0);
  });

  it('ends when the app closes the connection', async () => {
    const io = dialIo();
    const done = dial(['--control', h.sock], io);
    io.input.write('{"hello":{"protocol":1}}\n');
    await until(() => io.lines.length === 1);
    await h.server.close();
    expect(await done).toBe(0);
  });

  it('exits 3 with the usual message when no app listens', async () => {
    const io = dialIo();
    expect(await dial(['--control', `${h.dir}/none.sock`], io)).toBe(3);
    expect(io.stderr).toMatch(
      /cdesk dial-stdio: no running Containerd Desktop at .*none\.sock \(ENOENT\)/,
    );
    expect(io.stderr).toMatch(/hint: Start one/);
  });
});
