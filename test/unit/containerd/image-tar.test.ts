import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readTar, TarError, writeTar } from '../../../main/containerd/images/tar';
import { tarHeadProblem } from '../../../main/shared/tar-head';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdesk-tar-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function entries(file: string) {
  const out: { name: string; type: string; size: number; text: string }[] = [];
  for await (const e of readTar(createReadStream(file))) {
    const parts: Buffer[] = [];
    // Read every other body, to show unread ones are skipped correctly.
    if (out.length % 2 === 0) for await (const b of e.body) parts.push(b);
    out.push({ name: e.name, type: e.type, size: e.size, text: Buffer.concat(parts).toString() });
  }
  return out;
}

describe('image archive tar', () => {
  it('reads what GNU tar writes: long names (pax), directories, unread entries skipped', async () => {
    const long = `blobs/sha256/${'a'.repeat(150)}`;
    mkdirSync(path.join(dir, 'src', 'blobs', 'sha256'), { recursive: true });
    writeFileSync(path.join(dir, 'src', 'index.json'), '{"x":1}');
    writeFileSync(path.join(dir, 'src', long), 'y'.repeat(1000));
    writeFileSync(path.join(dir, 'src', 'z'), 'last');
    const file = path.join(dir, 'a.tar');
    execFileSync('tar', [
      '--format=pax',
      '-cf',
      file,
      '-C',
      path.join(dir, 'src'),
      'index.json',
      long,
      'z',
    ]);
    expect(await entries(file)).toEqual([
      { name: 'index.json', type: 'file', size: 7, text: '{"x":1}' },
      { name: long, type: 'file', size: 1000, text: '' },
      { name: 'z', type: 'file', size: 4, text: 'last' },
    ]);
  });

  it('refuses what is not a tar archive, an empty input and a cut-short archive', async () => {
    const junk = path.join(dir, 'junk');
    writeFileSync(junk, 'not a tar file at all '.repeat(100));
    await expect(entries(junk)).rejects.toThrow(/not a tar archive/);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '');
    await expect(entries(empty)).rejects.toBeInstanceOf(TarError);
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src', 'big'), Buffer.alloc(100_000, 1));
    const whole = path.join(dir, 'whole.tar');
    execFileSync('tar', ['-cf', whole, '-C', path.join(dir, 'src'), 'big']);
    const cut = path.join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(whole).subarray(0, 50_000));
    await expect(entries(cut)).rejects.toThrow(TarError);
  });

  it('reads a gzip-compressed archive (docker save | gzip), names what it cannot read and how to undo it; the upload check judges starts as the reader does', async () => {
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src', 'index.json'), '{}');
    // Big enough that its gzip's first 512 bytes hold a whole tar header.
    writeFileSync(path.join(dir, 'src', 'layer'), randomBytes(4096));
    const plain = path.join(dir, 'a.tar');
    execFileSync('tar', ['-cf', plain, '-C', path.join(dir, 'src'), 'index.json', 'layer']);
    const gz = path.join(dir, 'a.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    expect(await entries(gz)).toEqual(await entries(plain));
    const twice = path.join(dir, 'a.tar.gz.gz');
    writeFileSync(twice, gzipSync(readFileSync(gz)));
    await expect(entries(twice)).rejects.toThrow(/gzip-compressed.*gunzip/);
    const cutGz = path.join(dir, 'cut.tar.gz');
    writeFileSync(cutGz, readFileSync(gz).subarray(0, 1000));
    await expect(entries(cutGz)).rejects.toThrow(/gzip-compressed input is corrupt or cut short/);
    const zst = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]);
    writeFileSync(path.join(dir, 'a.tar.zst'), zst);
    await expect(entries(path.join(dir, 'a.tar.zst'))).rejects.toThrow(/zstd-compressed.*zstd -d/);
    const junk = Buffer.from('not a tar file at all '.repeat(100));
    // The reader's verdict on a start is the check's: accepted, or refused in the same words.
    expect(await tarHeadProblem(readFileSync(plain))).toBe(null);
    expect(await tarHeadProblem(readFileSync(gz).subarray(0, 512))).toBe(null);
    expect(await tarHeadProblem(gzipSync(junk).subarray(0, 512))).toBe(
      'the input is not a tar archive (its first header is not a tar header)',
    );
    expect(await tarHeadProblem(readFileSync(twice))).toMatch(/gzip-compressed twice/);
    expect(await tarHeadProblem(zst)).toMatch(/zstd-compressed.*zstd -d/);
    expect(await tarHeadProblem(junk)).toBe(
      'the input is not a tar archive (its first header is not a tar header)',
    );
    const junkFile = path.join(dir, 'junk');
    writeFileSync(junkFile, junk);
    await expect(entries(junkFile)).rejects.toThrow((await tarHeadProblem(junk))!);
  });

  it('writes an archive GNU tar lists and extracts byte for byte, chunks streamed', async () => {
    const file = path.join(dir, 'out.tar');
    const w = writeTar(createWriteStream(file));
    await w.directory('blobs/');
    async function* chunks() {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(300_000, i);
    }
    await w.file('blobs/one', 1_500_000, chunks());
    await w.file('index.json', 2, Buffer.from('{}'));
    await w.finish();
    expect(execFileSync('tar', ['-tf', file]).toString().split('\n').filter(Boolean)).toEqual([
      'blobs/',
      'blobs/one',
      'index.json',
    ]);
    const to = path.join(dir, 'x');
    mkdirSync(to);
    execFileSync('tar', ['-xf', file, '-C', to]);
    const one = readFileSync(path.join(to, 'blobs', 'one'));
    expect(one.length).toBe(1_500_000);
    expect(one[299_999]).toBe(0);
    expect(one[300_000]).toBe(1);
    expect(one[1_499_999]).toBe(4);
  });

  it('fails an entry whose bytes do not match its declared size', async () => {
    const w = writeTar(createWriteStream(path.join(dir, 'bad.tar')));
    await expect(w.file('short', 10, Buffer.from('abc'))).rejects.toThrow();
  });
});
