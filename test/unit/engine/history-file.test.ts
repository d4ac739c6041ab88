// The daemon's history on disk: what a restarted app reads back, and what it refuses to trust.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../../common/states';
import {
  HISTORY_ENTRIES,
  historyFilePath,
  readHistory,
  writeHistory,
} from '../../../main/engine/history-file';
import { readStartedAt } from '../../../main/engine/proc';
import { StatusBook } from '../../../main/engine/status-book';

let dir: string;
let file: string;
let logged: string[];
const log = (m: string) => logged.push(m);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-hist-'));
  file = historyFilePath(dir);
  logged = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sample = (at: number, ok = true): HealthEvent => ({
  type: 'health',
  at,
  phase: 'liveness',
  ok,
  result: ok ? 'SERVING' : 'TIMEOUT',
  latencyMs: 3,
  failures: ok ? 0 : 1,
});

describe('history file', () => {
  it('round-trips restarts and samples, 0600, bounded to the newest entries', async () => {
    const now = Date.now();
    const samples = Array.from({ length: HISTORY_ENTRIES + 50 }, (_, i) => sample(now - 1000 + i));
    await writeHistory(file, {
      restarts: [
        { at: now - 25 * 3600_000, cause: 'user' },
        { at: now - 1000, cause: 'crash' },
      ],
      samples,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const h = await readHistory(file, log);
    expect(h?.restarts).toEqual([{ at: now - 1000, cause: 'crash' }]);
    expect(h?.samples.length).toBe(HISTORY_ENTRIES);
    expect(h?.samples.at(-1)).toEqual(samples.at(-1));
    expect(logged).toEqual([]);
  });

  it('no file: null, nothing logged', async () => {
    expect(await readHistory(file, log)).toBeNull();
    expect(logged).toEqual([]);
  });

  it('a torn or foreign file is ignored with a log line naming it and the field', async () => {
    writeFileSync(file, '{"version":1,"restarts":[');
    expect(await readHistory(file, log)).toBeNull();
    expect(logged[0]).toMatch(new RegExp(`ignoring ${file}: not JSON`));
    writeFileSync(
      file,
      JSON.stringify({ version: 1, restarts: [{ at: 1, cause: 'boredom' }], samples: [] }),
    );
    expect(await readHistory(file, log)).toBeNull();
    expect(logged[1]).toMatch(/ignoring .*history\.json: restarts\.0\.cause/);
  });

  it('a status book takes the old history before its own', () => {
    const book = new StatusBook();
    book.recordHealth(sample(2000));
    book.restore({ restarts: [{ at: 500, cause: 'hang' }], samples: [sample(1000), sample(3000)] });
    expect(book.samples.map((s) => s.at)).toEqual([1000, 2000]);
    expect(book.restartCauses(1000)).toEqual({ crash: 0, hang: 1, user: 0 });
    expect(book.restarts).toBe(0);
  });
});

describe('readStartedAt', () => {
  it('this process started before now and after boot, to the 10 ms', () => {
    const at = readStartedAt(process.pid);
    expect(at).not.toBeNull();
    expect(at!).toBeLessThanOrEqual(Date.now());
    // process.uptime() counts from a little after the exec; the kernel's tick is 10 ms.
    expect(Date.now() - at!).toBeGreaterThanOrEqual(process.uptime() * 1000 - 20);
    expect(Date.now() - at!).toBeLessThan(process.uptime() * 1000 + 500);
  });
});
