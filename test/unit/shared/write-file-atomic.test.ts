// writeFileAtomic, durable (fsyncs) or not: the whole new content, the asked mode, no temp file left behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../main/shared/write-file-atomic';

const dir = mkdtempSync(join(tmpdir(), 'cdesk-wfa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  for (const durable of [true, false]) {
    it(`replaces a file whole (durable: ${durable})`, async () => {
      const file = join(dir, `f-${durable}.toml`);
      writeFileSync(file, 'old content that is longer than the new one\n', { mode: 0o644 });
      await writeFileAtomic(file, 'new\n', 0o600, { durable });
      expect(readFileSync(file, 'utf8')).toBe('new\n');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('leaves nothing behind when the folder is missing', async () => {
    const file = join(dir, 'missing', 'x');
    await expect(writeFileAtomic(file, 'x', 0o600, { durable: false })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
