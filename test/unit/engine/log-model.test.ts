// One log model: every level list derives from LOG_LEVELS, and the engine ring, the CLI's live filter and the log view filter lines the same way.
import { describe, expect, it } from 'vitest';
import { commandSchemas } from '../../../common/contract';
import { compileLogFilter, filterLogLines, type LogFilter } from '../../../common/log-filter';
import {
  CONTAINERD_LOG_LEVELS,
  LEVEL_FILTERS,
  LEVEL_RANK,
  LOG_LEVELS,
  logLevelSchema,
  normaliseLevel,
  type LevelFilter,
} from '../../../common/log-levels';
import { CONTAINERD_LOG_LEVELS as FROM_SETTINGS, parseSettings } from '../../../common/settings';
import type { LogLevel, LogLine } from '../../../common/states';
import { parseLevel } from '../../../main/cli/log-filter';
import { LogRing } from '../../../main/engine/log-ring';
import { filterLines } from '../../../renderer/src/components/log-filter';

const lines: LogLine[] = [
  {
    seq: 1,
    time: 1000,
    level: 'debug',
    msg: 'gc done',
    fields: {},
    raw: 'level=debug msg="gc done"',
  },
  {
    seq: 2,
    time: 2000,
    level: 'warn',
    msg: 'failed to load plugin "btrfs"',
    fields: {},
    raw: 'level=warn msg="failed to load plugin \\"btrfs\\""',
  },
  {
    seq: 3,
    time: 500,
    level: 'unknown',
    msg: 'goroutine 1 [running]:',
    fields: {},
    raw: 'goroutine 1 [running]:',
  },
  {
    seq: 4,
    time: 4000,
    level: 'error',
    msg: 'shim disconnected',
    fields: {},
    raw: 'level=error msg="shim disconnected"',
  },
  { seq: 5, time: 5000, level: 'panic', msg: 'boom', fields: {}, raw: 'level=panic msg=boom' },
  {
    seq: 6,
    time: 6000,
    level: 'info',
    msg: 'Loading Plugin BTRFS',
    fields: {},
    raw: 'level=info msg="Loading Plugin BTRFS"',
  },
];

describe('one list of levels', () => {
  it('derives containerd levels, the schema, the rank, the UI choices and the CLI flag from LOG_LEVELS', () => {
    expect(LOG_LEVELS.at(-1)).toBe('unknown');
    expect([...CONTAINERD_LOG_LEVELS]).toEqual(LOG_LEVELS.slice(0, -1));
    expect(FROM_SETTINGS).toBe(CONTAINERD_LOG_LEVELS);
    for (const l of CONTAINERD_LOG_LEVELS) expect(parseSettings({ logLevel: l }).ok).toBe(true);
    expect(parseSettings({ logLevel: 'unknown' }).ok).toBe(false);
    expect(logLevelSchema.options).toEqual([...LOG_LEVELS]);
    expect(LEVEL_FILTERS).toEqual(['all', ...CONTAINERD_LOG_LEVELS]);
    for (const l of CONTAINERD_LOG_LEVELS) expect(parseLevel(l)).toBe(l);
    expect(() => parseLevel('unknown')).toThrow(
      /--level must be one of trace, debug, info, warn, error, fatal, panic/,
    );
    // Severity follows list order; 'unknown' sits with 'info'.
    const ranks = CONTAINERD_LOG_LEVELS.map((l) => LEVEL_RANK[l]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    expect(LEVEL_RANK.unknown).toBe(LEVEL_RANK.info);
  });

  it('accepts in logs:read exactly the levels of the list', () => {
    const level = (commandSchemas['logs:read'] as (typeof commandSchemas)['logs:read']).shape.level;
    for (const l of LOG_LEVELS) expect(level.safeParse(l).success).toBe(true);
    expect(level.safeParse('warning').success).toBe(false);
  });

  it('normalises what loggers write to the list', () => {
    expect(normaliseLevel('warning')).toBe('warn');
    expect(normaliseLevel('ERROR')).toBe('error');
    expect(normaliseLevel('Info')).toBe('info');
    expect(normaliseLevel('notice')).toBe('unknown');
  });
});

describe('one filter', () => {
  const filters: LogFilter[] = [
    {},
    { minLevel: 'warn' },
    { minLevel: 'info' },
    { minLevel: 'trace' },
    { text: 'btrfs' },
    { text: 'PLUGIN "BTRFS' }, // only in the unescaped message
    { text: '\\"btrfs\\"' }, // only in the raw line
    { text: 'btrfs', minLevel: 'warn' },
    { sinceTime: 2000 },
    { sinceSeq: 3 },
  ];

  it('gives the same lines in the engine ring, the CLI live filter and the log view', () => {
    const ring = new LogRing(100);
    ring.push(lines);
    for (const f of filters) {
      const fromRing = ring
        .query({ sinceSeq: f.sinceSeq, sinceTime: f.sinceTime, minLevel: f.minLevel, text: f.text })
        .lines.map((l) => l.seq);
      const cli = lines.filter(compileLogFilter(f)).map((l) => l.seq);
      expect(cli, JSON.stringify(f)).toEqual(fromRing);
      expect(filterLogLines(lines, f).map((l) => l.seq)).toEqual(fromRing);
      if (f.sinceSeq === undefined && f.sinceTime === undefined) {
        const level = (f.minLevel ?? 'all') as LevelFilter;
        const view = filterLines(lines, level, f.text ?? '').map((l) => l.seq);
        expect(view, JSON.stringify(f)).toEqual(fromRing);
      }
    }
  });

  it('matches the raw line and the message case-insensitively', () => {
    const seqs = (f: LogFilter) => lines.filter(compileLogFilter(f)).map((l) => l.seq);
    expect(seqs({ text: 'BTRFS' })).toEqual([2, 6]);
    expect(seqs({ text: 'plugin "btrfs"' })).toEqual([2]);
    expect(seqs({ minLevel: 'warn' as LogLevel })).toEqual([2, 4, 5]);
  });
});
