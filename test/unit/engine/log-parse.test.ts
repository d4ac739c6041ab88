// Parsing containerd 1.6 output: logfmt and JSON lines captured from a real daemon, plus the odd shapes around them.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../common/format-bytes';
import { LEVEL_RANK, levelAtLeast } from '../../../common/log-levels';
import {
  collapseBinary,
  cutMarker,
  parseCutLine,
  parseLogLine,
  parseRfc3339,
} from '../../../main/engine/log-parse';

const NOW = 1_700_000_000_000;

describe('parseLogLine: logfmt', () => {
  it('parses the startup line with quoted and bare values', () => {
    const raw =
      'time="2026-11-29T21:35:25.078075169Z" level=info msg="starting containerd" revision="1.6.20~ds1-1+deb12u3" version="1.6.20~ds1"';
    expect(parseLogLine(raw, 7, NOW)).toEqual({
      seq: 7,
      time: Date.UTC(2026, 10, 29, 21, 35, 25, 78),
      level: 'info',
      msg: 'starting containerd',
      fields: { revision: '1.6.20~ds1-1+deb12u3', version: '1.6.20~ds1' },
      raw,
    });
  });

  it('unescapes Go %q quoting in msg', () => {
    const raw =
      'time="2026-11-29T21:28:40.123456789Z" level=info msg="loading plugin \\"io.containerd.content.v1.content\\"..." type=io.containerd.content.v1';
    const line = parseLogLine(raw, 1, NOW);
    expect(line.msg).toBe('loading plugin "io.containerd.content.v1.content"...');
    expect(line.fields).toEqual({ type: 'io.containerd.content.v1' });
    // Nanoseconds are truncated to ms, never rounded up.
    expect(line.time).toBe(Date.UTC(2026, 10, 29, 21, 28, 40, 123));
  });

  it('handles several escaped values on one line', () => {
    const raw =
      'time="2026-11-29T21:35:25.101159391Z" level=info msg="skip loading plugin \\"io.containerd.snapshotter.v1.aufs\\"..." error="aufs is not supported (modprobe aufs failed: exec: \\"modprobe\\": executable file not found in $PATH \\"\\"): skip plugin" type=io.containerd.snapshotter.v1';
    const line = parseLogLine(raw, 1, NOW);
    expect(line.msg).toBe('skip loading plugin "io.containerd.snapshotter.v1.aufs"...');
    expect(line.fields).toEqual({
      error:
        'aufs is not supported (modprobe aufs failed: exec: "modprobe": executable file not found in $PATH ""): skip plugin',
      type: 'io.containerd.snapshotter.v1',
    });
  });

  it("normalises 'warning' to 'warn' and uses now without a time", () => {
    const line = parseLogLine(
      'level=warning msg="failed to load plugin" error="no such file" id=io.containerd.snapshotter.v1.btrfs',
      3,
      NOW,
    );
    expect(line.level).toBe('warn');
    expect(line.time).toBe(NOW);
    expect(line.msg).toBe('failed to load plugin');
    expect(line.fields).toEqual({
      error: 'no such file',
      id: 'io.containerd.snapshotter.v1.btrfs',
    });
  });

  it('reads bare msg values and empty values', () => {
    const line = parseLogLine(
      'time="2026-11-29T21:35:25.122024221Z" level=info msg=serving... address=/run/c.sock empty= last=',
      1,
      NOW,
    );
    expect(line.msg).toBe('serving...');
    expect(line.fields).toEqual({ address: '/run/c.sock', empty: '', last: '' });
  });

  it('decodes the other Go escapes', () => {
    const line = parseLogLine(
      'level=error msg="a\\tb\\nc\\\\d \\u00e9 \\U0001F600 \\x41 \\xff \\101 \\q"',
      1,
      NOW,
    );
    expect(line.msg).toBe('a\tb\nc\\d é 😀 A \ufffd A \\q');
  });

  it('keeps an empty quoted value and an equals sign inside quotes', () => {
    const line = parseLogLine('level=debug msg="sd notification" error="" state="READY=1"', 1, NOW);
    expect(line.level).toBe('debug');
    expect(line.fields).toEqual({ error: '', state: 'READY=1' });
  });

  it('accepts numeric offsets and odd fraction lengths', () => {
    expect(parseLogLine('time="2026-11-29T22:00:00.5+01:00" level=info msg=x', 1, NOW).time).toBe(
      Date.UTC(2026, 10, 29, 21, 0, 0, 500),
    );
    expect(parseLogLine('time="2026-11-29T21:00:00Z" level=info msg=x', 1, NOW).time).toBe(
      Date.UTC(2026, 10, 29, 21, 0, 0, 0),
    );
  });

  it('falls back to now for an unparseable time', () => {
    expect(parseLogLine('time="yesterday-ish" level=info msg=x', 1, NOW).time).toBe(NOW);
  });

  it("marks unknown levels 'unknown' but keeps the original", () => {
    const line = parseLogLine('level=NOTICE msg=x', 1, NOW);
    expect(line.level).toBe('unknown');
    expect(line.fields.level).toBe('NOTICE');
    expect(parseLogLine('level=ERROR msg=x', 1, NOW).level).toBe('error');
  });

  it('keeps a key named __proto__ as a plain field', () => {
    const line = parseLogLine('level=info msg=x __proto__=polluted', 1, NOW);
    expect(Object.getPrototypeOf(line.fields)).toBe(Object.prototype);
    expect(Object.keys(line.fields)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseLogLine: JSON', () => {
  it('parses containerd JSON lines and stringifies other values', () => {
    const raw =
      '{"error":null,"level":"debug","msg":"sd notification","notified":false,"state":"STOPPING=1","time":"2026-11-29T21:35:31.570013383Z"}';
    expect(parseLogLine(raw, 2, NOW)).toEqual({
      seq: 2,
      time: Date.UTC(2026, 10, 29, 21, 35, 31, 570),
      level: 'debug',
      msg: 'sd notification',
      fields: { error: 'null', notified: 'false', state: 'STOPPING=1' },
      raw,
    });
    const gc = parseLogLine(
      '{"d":1108028,"level":"warning","msg":"garbage collected","time":"2026-11-29T21:35:29.717110858Z","x":{"a":[1]}}',
      3,
      NOW,
    );
    expect(gc.level).toBe('warn');
    expect(gc.fields).toEqual({ d: '1108028', x: '{"a":[1]}' });
  });

  it('treats broken JSON and non-log JSON as unknown', () => {
    for (const raw of ['{"level":"info","msg":"cut', '{"a":1}', '{}']) {
      const line = parseLogLine(raw, 1, NOW);
      expect(line.level).toBe('unknown');
      expect(line.msg).toBe(raw);
    }
  });
});

describe('parseLogLine: not structured', () => {
  it.each([
    'panic: runtime error: invalid memory address or nil pointer dereference',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55d]',
    'goroutine 1 [running]:',
    '\t/build/containerd/services/server/server.go:250 +0x1a4',
    'main.main()',
    'level=info msg="unterminated',
    'level=info msg="a"b',
    'a=b c',
    '=value',
    'foo=bar baz=qux',
    '   ',
    '',
  ])('%j → unknown with msg = raw', (raw) => {
    const line = parseLogLine(raw, 9, NOW);
    expect(line).toEqual({ seq: 9, time: NOW, level: 'unknown', msg: raw, fields: {}, raw });
  });
});

describe('parseRfc3339', () => {
  it('rejects malformed stamps', () => {
    for (const s of ['2026-13-01T00:00:00Z', '2026-11-29T21:00:00', '2026-11-29T21:00:00.Z', 'x']) {
      expect(parseRfc3339(s)).toBeNaN();
    }
  });
});

describe('levels', () => {
  it('orders severities', () => {
    expect(levelAtLeast('error', 'warn')).toBe(true);
    expect(levelAtLeast('debug', 'info')).toBe(false);
    expect(levelAtLeast('panic', 'fatal')).toBe(true);
    expect(LEVEL_RANK.trace).toBeLessThan(LEVEL_RANK.debug);
  });

  it("lets 'unknown' through filters at or below info only", () => {
    expect(levelAtLeast('unknown', 'trace')).toBe(true);
    expect(levelAtLeast('unknown', 'info')).toBe(true);
    expect(levelAtLeast('unknown', 'warn')).toBe(false);
    expect(levelAtLeast('info', 'unknown')).toBe(true);
  });
});

// Speed (lines/s) is measured in bench/log-ingest.ts, not asserted here: timings flake on shared cores.

describe('cut and binary lines', () => {
  it('formats the cut marker in B, KiB and MiB', () => {
    expect(cutMarker(500)).toBe(' … [cut 500 B]');
    expect(cutMarker(1536)).toBe(' … [cut 1.5 KiB]');
    expect(cutMarker(63 * 1024 + 10)).toBe(' … [cut 63 KiB]');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
  });

  it('keeps time and level of a cut logrus line, and its message so far', () => {
    const head = 'time="2026-11-29T21:35:25.100203628Z" level=warning msg="pulling image \\"abc';
    const l = parseCutLine(head, 4096, 3, NOW);
    expect(l.level).toBe('warn');
    expect(l.time).toBe(Date.parse('2026-11-29T21:35:25.100Z'));
    expect(l.msg).toBe('pulling image \\"abc … [cut 4.0 KiB]');
    expect(l.raw).toBe(`${head} … [cut 4.0 KiB]`);
    const json = parseCutLine('{"level":"error","msg":"abc', 100, 4, NOW);
    expect(json.level).toBe('error');
    expect(json.msg).toBe('abc … [cut 100 B]');
    const other = parseCutLine('goroutine 1 [running]: xyz', 10, 5, NOW);
    expect(other).toMatchObject({ level: 'unknown', msg: other.raw, time: NOW });
  });

  it('collapses a long line that is mostly not UTF-8, and only such a line', () => {
    expect(collapseBinary('\ufffd'.repeat(100))).toBe('\ufffd'.repeat(100));
    const bin = collapseBinary('\ufffd'.repeat(90) + 'x'.repeat(210));
    expect(bin).toBe(
      '\ufffd'.repeat(64) + ' … [not UTF-8: 90 invalid sequences in 300 characters]',
    );
    const few = 'caf\ufffd '.repeat(40);
    expect(collapseBinary(few)).toBe(few);
  });
});
