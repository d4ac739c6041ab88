// `cdesk daemon logs` against a real control socket and a real LogRing: byte-bounded paging, huge lines, terminal escaping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResults } from '../../../common/contract';
import type { LogLine } from '../../../common/states';
import { escapeForTerminal, run as logs } from '../../../main/cli/cmd-daemon-logs';
import { LogRing } from '../../../main/engine/log-ring';
import type { LogQuery } from '../../../main/engine/types';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine, line } from '../service/fake-engine';

/** The fake engine with the real ring behind logs:read, as the supervisor has. */
class RingEngine extends FakeEngine {
  readonly ring = new LogRing({ maxLines: 100_000, maxBytes: 512 << 20 });
  readonly pages: number[] = [];
  override readLogs(q: LogQuery & { maxBytes?: number }): CommandResults['logs:read'] {
    const page = this.ring.query({
      sinceSeq: q.sinceSeq,
      sinceTime: q.sinceTime,
      minLevel: q.level,
      text: q.text,
      limit: q.limit ?? 1000,
      maxBytes: q.maxBytes,
    });
    this.pages.push(Buffer.byteLength(JSON.stringify(page.lines)));
    return { ...page, lastSeq: this.ring.lastSeq };
  }
}

let h: ControlHarness;
let sock: string;
let engine: RingEngine;

beforeEach(async () => {
  engine = new RingEngine();
  h = await startControlHarness({ prefix: 'cdesk-logs-', engine });
  ({ sock } = h);
});
afterEach(() => h.close());

describe('cdesk logs', () => {
  it('pages through a large backlog in byte-bounded replies, each line once, in order', async () => {
    const lines: LogLine[] = Array.from({ length: 3000 }, (_, i) => ({
      ...line(i + 1),
      raw: `level=info msg="line ${i + 1}" pad=${'p'.repeat(1000)}`,
    }));
    engine.ring.push(lines);
    const o = io();
    expect(await logs(['--control', sock, '-n', '3000'], o, { pageBytes: 64 * 1024 })).toBe(0);
    const got = o.stdout.trimEnd().split('\n');
    expect(got).toEqual(lines.map((l) => l.raw));
    expect(engine.pages.length).toBeGreaterThan(40);
    expect(Math.max(...engine.pages)).toBeLessThanOrEqual(64 * 1024);
  });

  it('prints a line larger than a page (shrunk, with its marker) and the lines after it', async () => {
    engine.ring.push([
      line(1),
      { ...line(2), raw: 'H'.repeat(3 << 20), msg: 'H'.repeat(3 << 20) },
      line(3),
    ]);
    const o = io();
    expect(await logs(['--control', sock], o)).toBe(0);
    const got = o.stdout.trimEnd().split('\n');
    expect(got).toHaveLength(3);
    expect(got[1]).toMatch(/^H+ … \[cut \d+(\.\d)? [KM]iB\]$/);
    expect(got[2]).toBe(line(3).raw);
    expect(Math.max(...engine.pages)).toBeLessThanOrEqual(512 * 1024);
  });

  it('escapes control characters and escape sequences on a terminal, keeps the bytes when piped', async () => {
    const nasty = 'level=info msg="\x1b[2J\x1b]0;pwned\x07red\r\u202eevil\x9b"';
    engine.ring.push([{ ...line(1), raw: nasty }]);
    const tty = io();
    await logs(['--control', sock], tty, { tty: true });
    expect(tty.stdout).toBe(
      'level=info msg="\\x1b[2J\\x1b]0;pwned\\x07red\\x0d\\u202eevil\\x9b"\n',
    );
    const piped = io();
    await logs(['--control', sock], piped, { tty: false });
    expect(piped.stdout).toBe(`${nasty}\n`);
    const json = io();
    await logs(['--control', sock, '--json'], json, { tty: true });
    // eslint-disable-next-line no-control-regex
    expect(json.stdout.trimEnd()).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json.stdout).raw).toBe(nasty);
  });

  it('keeps tabs and printable text as they are', () => {
    expect(escapeForTerminal('a\tb ü €')).toBe('a\tb ü €');
  });
});
