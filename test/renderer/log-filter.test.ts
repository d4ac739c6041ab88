// The incremental filter returns what filterLines would, while testing only appended lines.
import { describe, expect, it } from 'vitest';
import type { LogLevel, LogLine } from '../../common/states';
import { filterLines, IncrementalFilter } from '../../renderer/src/components/log-filter';

const line = (seq: number, level: LogLevel, msg: string): LogLine => ({
  seq,
  time: seq,
  level,
  msg,
  fields: {},
  raw: `level=${level} msg="${msg}"`,
});

describe('IncrementalFilter', () => {
  it('matches filterLines as lines are appended, dropped from the front and the filter changes', () => {
    const buf: LogLine[] = [];
    const f = new IncrementalFilter();
    const levels: LogLevel[] = ['info', 'warn', 'error', 'debug', 'unknown'];
    for (let i = 0; i < 50; i++) {
      buf.push(line(i, levels[i % levels.length]!, i % 3 ? 'pull image' : 'task exit'));
      expect(f.apply(buf, 'warn', '')).toEqual(filterLines(buf, 'warn', ''));
    }
    buf.splice(0, 10);
    expect(f.apply(buf, 'warn', '')).toEqual(filterLines(buf, 'warn', ''));
    expect(f.apply(buf, 'all', 'TASK')).toEqual(filterLines(buf, 'all', 'TASK'));
    buf.push(line(99, 'error', 'task exit'));
    expect(f.apply(buf, 'all', 'TASK')).toEqual(filterLines(buf, 'all', 'TASK'));
    expect(f.apply(buf, 'all', '')).toBe(buf);
  });

  it('tests only the new lines when nothing else changed', () => {
    const buf = Array.from({ length: 1000 }, (_, i) => line(i, 'info', 'x'));
    const f = new IncrementalFilter();
    f.apply(buf, 'info', '');
    let reads = 0;
    const spy = new Proxy(buf, {
      get(t, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(t, p, r);
      },
    });
    buf.push(line(1000, 'warn', 'y'));
    const out = f.apply(spy, 'info', '');
    expect(out).toHaveLength(1001);
    expect(reads).toBeLessThan(10);
  });
});

describe('filterLines', () => {
  it('uses the one filter: level and worse, text in the raw line or the unescaped message', () => {
    const quoted: LogLine = {
      seq: 1,
      time: 1,
      level: 'warn',
      msg: 'pull "alpine" failed',
      fields: {},
      raw: 'level=warn msg="pull \\"alpine\\" failed"',
    };
    const lines = [quoted, line(2, 'info', 'Alpine ready'), line(3, 'debug', 'alpine gc')];
    expect(filterLines(lines, 'all', 'pull "ALPINE"').map((l) => l.seq)).toEqual([1]);
    expect(filterLines(lines, 'info', 'alpine').map((l) => l.seq)).toEqual([1, 2]);
    expect(filterLines(lines, 'warn', '').map((l) => l.seq)).toEqual([1]);
    expect(filterLines(lines, 'all', '')).toBe(lines);
  });
});
