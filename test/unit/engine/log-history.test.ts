// Where history starts: the last N complete lines of a log file, found from its end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyStart } from '../../../main/engine/log-history';

let dir: string;
let fd: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-history-'));
});
afterEach(() => {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(text: string): number {
  const file = path.join(dir, 'containerd.log');
  fs.writeFileSync(file, text);
  fd = fs.openSync(file, 'r');
  return fd;
}

// A small buffer, so the scan takes several reads.
const at = (text: string, lines: number, maxLineBytes = 64) =>
  historyStart(open(text), Buffer.byteLength(text), { lines, maxLineBytes, buf: Buffer.alloc(7) });

describe('historyStart', () => {
  it('starts at the first of the last N complete lines', async () => {
    const text = 'a1\nb22\nc333\nd4444\n';
    expect(text.slice(await at(text, 2))).toBe('c333\nd4444\n');
  });

  it('leaves a last line without its newline after the history', async () => {
    const text = 'a1\nb22\nc333\npartial';
    expect(text.slice(await at(text, 1))).toBe('c333\npartial');
  });

  it('is the whole file when it has fewer lines, and its end when none are asked for', async () => {
    expect(await at('a\nb\n', 10)).toBe(0);
    expect(await at('a\nb\n', 0)).toBe(4);
  });

  it('stops scanning after N lines of maxLineBytes (at least 4 KiB each)', async () => {
    // One huge line, then two short ones: asked for 3, the scan gives up inside the huge one.
    const text = `${'x'.repeat(20_000)}\nshort1\nshort2\n`;
    expect(text.slice(await at(text, 3))).toBe('short1\nshort2\n');
  });
});
