// Bounded copytruncate: the live file's bytes move to file.1.tmp (at most the cap, from a line start) and the file is emptied; archives shift.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyTruncate, shiftArchives } from '../../../main/engine/log-rotate';

let dir: string;
let file: string;
const fds: number[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-rotate-'));
  file = path.join(dir, 'containerd.log');
});
afterEach(() => {
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Our read/write fd on `file`, as the tailer holds it. */
function openFile(content: string): number {
  fs.writeFileSync(file, content);
  const fd = fs.openSync(file, 'a+');
  fds.push(fd);
  return fd;
}

const opts = (capBytes: number) => ({ capBytes, maxLineBytes: 64, buf: Buffer.alloc(16) });
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');

describe('copyTruncate', () => {
  it('copies the whole file when it fits the cap, then empties it', async () => {
    const text = lines(20);
    const fd = openFile(text);
    const r = await copyTruncate(file, fd, opts(1 << 20));
    expect(r).toEqual({ tmp: `${file}.1.tmp`, from: 0, end: text.length });
    expect(fs.readFileSync(r!.tmp, 'utf8')).toBe(text);
    expect(fs.statSync(file).size).toBe(0);
  });

  it('keeps only the newest part of a file over the cap, from a line start', async () => {
    const text = lines(100);
    const fd = openFile(text);
    const r = await copyTruncate(file, fd, opts(50));
    const copy = fs.readFileSync(r!.tmp, 'utf8');
    expect(r!.from).toBeGreaterThanOrEqual(text.length - 50);
    expect(r!.end).toBe(text.length);
    expect(copy).toBe(text.slice(r!.from));
    expect(copy.startsWith('line ')).toBe(true);
    expect(text[r!.from - 1]).toBe('\n');
    expect(fs.statSync(file).size).toBe(0);
  });

  it('does nothing when the path names another file than the one read (replaced)', async () => {
    const fd = openFile(lines(3));
    fs.renameSync(file, `${file}.moved`);
    fs.writeFileSync(file, 'new\n');
    expect(await copyTruncate(file, fd, opts(1 << 20))).toBeNull();
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.existsSync(`${file}.1.tmp`)).toBe(false);
  });

  it('fails without a temp copy left behind and the live file untouched', async () => {
    const text = lines(3);
    const fd = openFile(text);
    // A directory where the copy goes: the copy fails.
    fs.mkdirSync(`${file}.1.tmp`);
    fs.writeFileSync(path.join(`${file}.1.tmp`, 'x'), '');
    await expect(copyTruncate(file, fd, opts(1 << 20))).rejects.toThrow();
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('shiftArchives', () => {
  it('makes the copy file.1 and moves older archives up, dropping the oldest', async () => {
    for (const [i, text] of [
      [1, 'one'],
      [2, 'two'],
    ] as const)
      fs.writeFileSync(`${file}.${i}`, text);
    fs.writeFileSync(`${file}.1.tmp`, 'new');
    await shiftArchives(file, `${file}.1.tmp`, 2);
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('new');
    expect(fs.readFileSync(`${file}.2`, 'utf8')).toBe('one');
    expect(fs.existsSync(`${file}.3`)).toBe(false);
    expect(fs.existsSync(`${file}.1.tmp`)).toBe(false);
  });

  it('keeps nothing with keep 0', async () => {
    fs.writeFileSync(`${file}.1.tmp`, 'new');
    await shiftArchives(file, `${file}.1.tmp`, 0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
