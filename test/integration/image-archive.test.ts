// cdesk load / save / system df / system prune end to end: the app's service behind a real control
// socket, real containerd checked with ctr, archives cross-checked with ctr import/export and skopeo.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../main/cli/args';
import { run as load } from '../../main/cli/cmd-load';
import { run as save } from '../../main/cli/cmd-save';
import { run as system } from '../../main/cli/cmd-system';
import { captureIo, startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { CDESK, ensureBuilt } from '../helpers/serve';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { buildLayoutImage, canRunRegistry, SKOPEO } from '../helpers/registry';

const have = requireContainerd();
const can = canRunContainers();
const reg = canRunRegistry();
if (have && !can.ok) console.warn(`skipping image archive tests: ${can.reason}`);
// skopeo is installed wherever containers can run (.ci/run): its absence is a failure.
if (have && can.ok && !reg.ok) throw new Error(`image archive tests need ${reg.reason}`);
const on = have && can.ok;

let f: InsideFixture;
let h: ControlHarness;
let dir: string;
let uniq = 0;
const ns = () => `imgarc-${process.pid}-${++uniq}`;
const NAME = 'docker.io/cdesk/busybox:test';

const images = (n: string) => ctr(f.socket, n, ['images', 'ls', '-q']).split('\n').filter(Boolean);
const content = (n: string) =>
  ctr(f.socket, n, ['content', 'ls', '-q']).split('\n').filter(Boolean);
const snapshots = (n: string) =>
  ctr(f.socket, n, ['snapshots', 'ls']).split('\n').slice(1).filter(Boolean);
const leases = (n: string) =>
  ctr(f.socket, n, ['leases', 'ls']).split('\n').slice(1).filter(Boolean);
const activeIngests = (n: string) =>
  ctr(f.socket, n, ['content', 'active']).split('\n').slice(1).filter(Boolean);
/**
 * A FIFO that gets an archive of a new image (its own random layer, last in the archive) up to the
 * middle of that layer, then nothing more until the test says: a load of it is surely still
 * running, writing that layer. Opened read-write first (never blocks on Linux), so the FIFO has its
 * writer when the app opens it; written by the event loop (non-blocking), since a blocking write
 * nobody reads any more would hold one of this process's file threads, which the app here shares.
 */
function slowArchive(n: string) {
  const img = buildLayoutImage(join(dir, `slow-img-${n}`), {
    randomLayers: 1,
    layerBytes: 4 << 20,
  });
  const last = img.layers[img.layers.length - 1]!.digest.slice(7);
  const blobs = readdirSync(join(img.layout, 'blobs', 'sha256')).filter((b) => b !== last);
  const archive = join(dir, `slow-${n}.tar`);
  execFileSync('tar', [
    '-C',
    img.layout,
    '-cf',
    archive,
    'oci-layout',
    'index.json',
    ...blobs.map((b) => `blobs/sha256/${b}`),
    `blobs/sha256/${last}`,
  ]);
  const bytes = readFileSync(archive);
  // 1 MiB before the end: 3 of the layer's 4 MiB are in (the end adds ≤ 10 KiB of tar padding).
  const cut = bytes.length - (1 << 20);
  const fifo = join(dir, `slow-${n}`);
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const w = new net.Socket({ fd, readable: false, writable: true });
  w.on('error', () => undefined);
  w.write(bytes.subarray(0, cut));
  return { fifo, w, rest: bytes.subarray(cut) };
}

/** The load has written into the content store under its lease. */
async function midLoad(n: string): Promise<void> {
  await until(
    () => leases(n).some((l) => l.startsWith('cdesk-load-')) && activeIngests(n).length > 0,
    15_000,
    'the load writing a blob under its lease',
  );
}

function expectNothingLeft(n: string): void {
  expect(images(n)).toEqual([]);
  expect(leases(n)).toEqual([]);
  expect(activeIngests(n)).toEqual([]);
  expect(content(n)).toEqual([]);
}

const runs = (n: string, image: string) =>
  ctr(f.socket, n, ['run', '--rm', image, `c-${n}-${++uniq}`, 'sh', '-c', 'echo ran-ok']);

beforeAll(async () => {
  if (!on) return;
  dir = mkdtempSync(join(tmpdir(), 'cd-imgarc-'));
  f = await startInside(undefined, { importImage: false });
  h = await startControlHarness({ prefix: 'cd-imgarc-', engine: f.engine, inside: f.inside });
}, 120_000);

afterAll(async () => {
  if (!on) return;
  await h.close();
  await f.dispose();
  rmSync(dir, { recursive: true, force: true });
  removeBuiltImage();
});

describe.runIf(on)('cdesk load', () => {
  it('loads an OCI layout tar: the image lists in ctr and runs without unpacking', async () => {
    const n = ns();
    const o = captureIo();
    expect(await load(['-i', f.img.archive, '-n', n, '--control', h.sock], o)).toBe(0);
    expect(o.stdout).toContain(`Loaded image: ${NAME} ${f.img.manifestDigest}`);
    expect(images(n)).toEqual([NAME]);
    expect(ctr(f.socket, n, ['images', 'check'])).toMatch(/complete/);
    expect(runs(n, NAME)).toContain('ran-ok');
  }, 60_000);

  it('loads a gzip-compressed archive (docker save IMAGE | gzip), as docker load does', async () => {
    const n = ns();
    const gz = join(dir, `image-${n}.tar.gz`);
    writeFileSync(gz, gzipSync(readFileSync(f.img.archive)));
    const o = captureIo();
    expect(await load(['-i', gz, '-n', n, '--control', h.sock], o), o.stderr).toBe(0);
    expect(o.stdout).toContain(`Loaded image: ${NAME} ${f.img.manifestDigest}`);
    expect(runs(n, NAME)).toContain('ran-ok');
  }, 60_000);

  it('loads a docker save archive (legacy layout, from skopeo docker-archive:)', async () => {
    const n = ns();
    const archive = join(dir, `docker-${n}.tar`);
    execFileSync(SKOPEO, [
      'copy',
      '--quiet',
      `oci-archive:${f.img.archive}`,
      `docker-archive:${archive}:cdesk/dockerish:v2`,
    ]);
    const o = captureIo();
    expect(await load(['-i', archive, '-n', n, '--control', h.sock], o), o.stderr).toBe(0);
    expect(images(n)).toEqual(['docker.io/cdesk/dockerish:v2']);
    expect(runs(n, 'docker.io/cdesk/dockerish:v2')).toContain('ran-ok');
  }, 60_000);

  it('refuses a tarball that is not an image and keeps nothing', async () => {
    const n = ns();
    const src = join(dir, `notimage-${n}`);
    execFileSync('mkdir', ['-p', src]);
    writeFileSync(join(src, 'hello.txt'), 'x'.repeat(100_000));
    writeFileSync(join(src, 'manifest.json'), '[{"Config":"nope.json","Layers":[]}]');
    const archive = join(dir, `notimage-${n}.tar`);
    execFileSync('tar', ['-C', src, '-cf', archive, 'hello.txt', 'manifest.json']);
    const o = captureIo();
    expect(await load(['-i', archive, '-n', n, '--control', h.sock], o)).toBe(1);
    expect(o.stderr).toMatch(/not an image archive: manifest\.json names a config nope\.json/);
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual([]);

    const plain = join(dir, `plain-${n}.bin`);
    writeFileSync(plain, 'this is not a tar file at all'.repeat(100));
    const o2 = captureIo();
    expect(await load(['-i', plain, '-n', n, '--control', h.sock], o2)).toBe(1);
    expect(o2.stderr).toMatch(/not an image archive: the input is not a tar archive/);
    expect(content(n)).toEqual([]);

    // index.json / manifest.json whose entries are not objects or not a list.
    for (const [file, text, says] of [
      [
        'index.json',
        '{"schemaVersion":2,"manifests":[null]}',
        /index\.json: manifests\[0\] is not an object/,
      ],
      ['index.json', '{"schemaVersion":2,"manifests":"x"}', /index\.json: manifests is not a list/],
      ['manifest.json', '[null]', /manifest\.json: entry 0 is not an object/],
    ] as const) {
      const odd = join(dir, `odd-${n}-${file}`);
      execFileSync('mkdir', ['-p', odd]);
      writeFileSync(join(odd, file), text);
      const tarFile = `${odd}.tar`;
      execFileSync('tar', ['-C', odd, '-cf', tarFile, file]);
      const o3 = captureIo();
      expect(await load(['-i', tarFile, '-n', n, '--control', h.sock], o3)).toBe(1);
      expect(o3.stderr).toMatch(says);
      expect(o3.stderr).not.toMatch(/internal error/);
    }
    expect(content(n)).toEqual([]);
  }, 60_000);

  it('refuses an archive whose new layer was tampered with (digest-mismatch) and keeps nothing', async () => {
    const n = ns();
    const img = buildLayoutImage(join(dir, `tampered-${n}`), {
      randomLayers: 1,
      layerBytes: 1 << 18,
    });
    // The random layer is new to containerd: its bytes are checked as they are written.
    const layer = img.layers[img.layers.length - 1]!;
    const blob = join(img.layout, 'blobs', 'sha256', layer.digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(blob, bytes);
    const archive = join(dir, `tampered-${n}.tar`);
    execFileSync('tar', ['-C', img.layout, '-cf', archive, '.']);
    const before = content(n);
    const o = captureIo();
    expect(await load(['-i', archive, '-n', n, '--control', h.sock], o)).toBe(1);
    expect(o.stderr).toMatch(new RegExp(`${layer.digest}.*(do not match|hash to)`));
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual(before);
    expect(content(n)).not.toContain(layer.digest);
    expect(ctr(f.socket, n, ['content', 'active']).split('\n').slice(1).filter(Boolean)).toEqual(
      [],
    );
  }, 60_000);

  it('loads waiting on a FIFO nobody writes to hold none of the file threads: a save still works', async () => {
    const n = ns();
    expect(await load(['-i', f.img.archive, '-n', n, '--control', h.sock], captureIo())).toBe(0);
    const fifo = join(dir, `idle-${n}`);
    execFileSync('mkfifo', [fifo]);
    // More than Node's 4 file-system threads: a blocking open() of each would hold one for ever.
    const loads = Array.from({ length: 5 }, () => {
      const o = captureIo();
      return load(['-i', fifo, '-n', n, '--control', h.sock], o).then((code) => ({ code, o }));
    });
    await new Promise((res) => setTimeout(res, 1000));
    // They wait for a writer, as cat would; meanwhile the app's file work goes on.
    const out = join(dir, `after-fifo-${n}.tar`);
    const saved = captureIo();
    const save1 = save(['-o', out, NAME, '-n', n, '--control', h.sock], saved);
    const timedOut = new Promise<string>((res) => setTimeout(() => res('timed out'), 15_000));
    expect(await Promise.race([save1, timedOut]), saved.stderr).toBe(0);
    // A writer that sends nothing and goes: each load ends, refusing the empty input.
    closeSync(openSync(fifo, 'r+'));
    for (const { code, o } of await Promise.all(loads)) {
      expect(code).toBe(1);
      expect(o.stderr).toMatch(/the input is empty/);
    }
  }, 60_000);

  it('saves into FIFOs nobody reads yet hold none of the file threads, and write once a reader comes', async () => {
    const n = ns();
    expect(await load(['-i', f.img.archive, '-n', n, '--control', h.sock], captureIo())).toBe(0);
    // More than Node's 4 file-system threads: a blocking open() or write() of each would hold one.
    const fifos = Array.from({ length: 5 }, (_, i) => join(dir, `unread-${n}-${i}`));
    const saves = fifos.map((fifo) => {
      execFileSync('mkfifo', [fifo]);
      const o = captureIo();
      return save(['-o', fifo, NAME, '-n', n, '--control', h.sock], o).then((code) => ({
        code,
        o,
      }));
    });
    await new Promise((res) => setTimeout(res, 1000));
    const out = join(dir, `beside-fifos-${n}.tar`);
    const saved = captureIo();
    const save1 = save(['-o', out, NAME, '-n', n, '--control', h.sock], saved);
    const timedOut = new Promise<string>((res) => setTimeout(() => res('timed out'), 15_000));
    expect(await Promise.race([save1, timedOut]), saved.stderr).toBe(0);
    // The readers come late: each still gets the whole archive.
    const copies = fifos.map((fifo, i) => {
      const copy = join(dir, `unread-copy-${n}-${i}.tar`);
      const cat = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', fifo, copy], {
        stdio: 'ignore',
      });
      return new Promise<string>((res) => cat.once('exit', () => res(copy)));
    });
    for (const { code, o } of await Promise.all(saves)) expect(code, o.stderr).toBe(0);
    for (const copy of await Promise.all(copies))
      expect(execFileSync('tar', ['-tf', copy], { encoding: 'utf8' })).toContain('index.json');
  }, 90_000);

  it('Ctrl-C mid-load cancels it in the app: exit 130, no image, lease or ingest left', async () => {
    const n = ns();
    const { fifo, w, rest } = slowArchive(n);
    const o = captureIo();
    const running = load(['-i', fifo, '-n', n, '--control', h.sock], o);
    await midLoad(n);
    o.abort();
    expect(await running).toBe(130);
    expect(o.stderr).toMatch(/cdesk load: cancelled; nothing of this load was kept/);
    expect(o.stderr).not.toMatch(/may still finish|may have quit|lost the connection/);
    // The app stopped reading: more bytes on the FIFO change nothing.
    w.write(rest);
    await new Promise((res) => setTimeout(res, 500));
    w.destroy();
    expectNothingLeft(n);
  }, 60_000);

  it('cdesk (built) cancels the load in the app on SIGINT and SIGTERM (exit 130), and when killed', async () => {
    ensureBuilt();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      const n = ns();
      const { fifo, w } = slowArchive(n);
      const child = spawn(process.execPath, [
        CDESK,
        'load',
        '-i',
        fifo,
        '-n',
        n,
        '--control',
        h.sock,
      ]);
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
      const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      await midLoad(n).catch((e: Error) => {
        throw new Error(
          `${sig}: ${e.message}; cdesk said: ${err}; leases ${leases(n)}; ingests ${activeIngests(n)}; content ${content(n)}`,
        );
      });
      child.kill(sig);
      const code = await exit;
      if (sig === 'SIGKILL') {
        // Its control connection closed mid-load: the app cancels what it was doing for it.
        expect(code).toBe(null);
        await until(() => leases(n).length === 0, 15_000, 'the load lease gone');
      } else {
        expect([sig, code, err]).toEqual([
          sig,
          130,
          expect.stringMatching(/cancelled; nothing of this load was kept/),
        ]);
      }
      w.destroy();
      expectNothingLeft(n);
    }
  }, 90_000);

  it('needs -i or a piped stdin', async () => {
    await expect(load(['-n', 'default', 'file.tar'], captureIo())).rejects.toThrow(UsageError);
  });

  it('a socket on stdin (how Node spawns a child) is a usage error naming -i, not ENXIO', async () => {
    ensureBuilt();
    const n = ns();
    const child = spawn(process.execPath, [CDESK, 'load', '-n', n, '--control', h.sock]);
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.stdin.on('error', () => undefined);
    child.stdin.end(readFileSync(f.img.archive));
    const code = await new Promise((r) => child.once('close', r));
    expect([code, err]).toEqual([2, expect.stringMatching(/standard input is a socket.*-i FILE/)]);
    expect(images(n)).toEqual([]);
  });
});

describe.runIf(on)('cdesk save', () => {
  it('writes an OCI archive that ctr import and skopeo read, and cdesk load round-trips', async () => {
    const a = ns();
    expect(await load(['-i', f.img.archive, '-n', a, '--control', h.sock], captureIo())).toBe(0);
    const out = join(dir, `saved-${a}.tar`);
    const o = captureIo();
    expect(await save(['-o', out, NAME, '-n', a, '--control', h.sock], o), o.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const listing = execFileSync('tar', ['-tf', out], { encoding: 'utf8' });
    expect(listing).toContain('index.json');
    expect(listing).toContain('oci-layout');
    expect(listing).toContain('manifest.json');
    expect(listing).toContain(`blobs/sha256/${f.img.manifestDigest.slice(7)}`);

    // ctr import into a fresh namespace: the same image, runnable.
    const b = ns();
    ctr(f.socket, b, ['images', 'import', out]);
    expect(ctr(f.socket, b, ['images', 'ls'])).toContain(f.img.manifestDigest);
    expect(runs(b, NAME)).toContain('ran-ok');

    // skopeo reads it as an OCI archive and as a docker archive (manifest.json).
    const raw = execFileSync(SKOPEO, ['inspect', '--raw', `oci-archive:${out}`], {
      encoding: 'utf8',
    });
    expect(raw).toContain('"layers"');
    const dockerView = execFileSync(SKOPEO, ['inspect', `docker-archive:${out}`], {
      encoding: 'utf8',
    });
    expect(JSON.parse(dockerView).Layers.length).toBeGreaterThan(0);

    // ctr export → cdesk load in a third namespace.
    const exported = join(dir, `ctr-export-${a}.tar`);
    ctr(f.socket, a, ['images', 'export', exported, NAME]);
    const c = ns();
    expect(await load(['-i', exported, '-n', c, '--control', h.sock], captureIo())).toBe(0);
    expect(images(c)).toEqual([NAME]);
    expect(runs(c, NAME)).toContain('ran-ok');
  }, 90_000);

  it('into a device or a FIFO writes through it and never replaces it with a file', async () => {
    const a = ns();
    expect(await load(['-i', f.img.archive, '-n', a, '--control', h.sock], captureIo())).toBe(0);
    // A FIFO: the reader gets the whole archive, and the FIFO stays one.
    const fifo = join(dir, `fifo-${a}`);
    execFileSync('mkfifo', [fifo]);
    const got = new Promise<Buffer>((res, rej) => {
      const chunks: Buffer[] = [];
      createReadStream(fifo)
        .on('data', (b) => chunks.push(b as Buffer))
        .on('end', () => res(Buffer.concat(chunks)))
        .on('error', rej);
    });
    const o = captureIo();
    expect(await save(['-o', fifo, NAME, '-n', a, '--control', h.sock], o), o.stderr).toBe(0);
    const bytes = await got;
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const copy = join(dir, `fifo-copy-${a}.tar`);
    writeFileSync(copy, bytes);
    expect(execFileSync('tar', ['-tf', copy], { encoding: 'utf8' })).toContain('index.json');
    // A full disk (a /dev/full node of our own): the write fails naming ENOSPC, the node stays.
    const full = join(dir, `full-${a}`);
    execFileSync('mknod', [full, 'c', '1', '7']);
    const e = captureIo();
    expect(await save(['-o', full, NAME, '-n', a, '--control', h.sock], e)).toBe(1);
    expect(e.stderr).toMatch(/cannot write .*full-.*ENOSPC/);
    expect(lstatSync(full).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir).some((x) => x.includes('cdesk-'))).toBe(false);
  }, 90_000);

  it('without -o (or with -o /dev/stdout) writes to our stdout, a pipe or a redirected file, as docker save', async () => {
    ensureBuilt();
    const a = ns();
    expect(await load(['-i', f.img.archive, '-n', a, '--control', h.sock], captureIo())).toBe(0);
    // Node gives a child a socket for 'pipe': through cat, the CLI's stdout is a real pipe.
    const cli = (args: string[], stdout: 'pipe' | number) =>
      new Promise<{ code: number | null; out: Buffer; err: string }>((res) => {
        const cmd = [process.execPath, CDESK, 'save', ...args].map((x) => `'${x}'`).join(' ');
        const child = spawn('sh', ['-c', stdout === 'pipe' ? `${cmd} | cat` : cmd], {
          stdio: ['ignore', stdout, 'pipe'],
        });
        const out: Buffer[] = [];
        let err = '';
        child.stdout?.on('data', (b: Buffer) => out.push(b));
        child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
        child.once('close', (code) => res({ code, out: Buffer.concat(out), err }));
      });
    const listing = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' });
    // A pipe (cdesk save REF | gzip).
    const piped = await cli([NAME, '-n', a, '--control', h.sock], 'pipe');
    expect([piped.code, piped.err]).toEqual([0, expect.stringMatching(/to standard output/)]);
    const pipedFile = join(dir, `piped-${a}.tar`);
    writeFileSync(pipedFile, piped.out);
    expect(listing(pipedFile)).toContain('index.json');
    // A redirected file (cdesk save -o /dev/stdout REF > file), over older, longer content.
    const redirected = join(dir, `redirected-${a}.tar`);
    writeFileSync(redirected, Buffer.alloc(64 * 1024 * 1024, 1));
    const fd = openSync(redirected, 'w');
    const r = await cli(['-o', '/dev/stdout', NAME, '-n', a, '--control', h.sock], fd);
    closeSync(fd);
    expect([r.code, r.err]).toEqual([0, expect.stringMatching(/to standard output/)]);
    expect(listing(redirected)).toContain('index.json');
    expect(statSync(redirected).size).toBe(statSync(pipedFile).size);
    // A socket has no path the app could open: a usage error naming the way out.
    const sock = await new Promise<{ code: number | null; err: string }>((res) => {
      const child = spawn(process.execPath, [CDESK, 'save', NAME, '-n', a, '--control', h.sock]);
      let err = '';
      child.stdout.resume();
      child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
      child.once('close', (code) => res({ code, err }));
    });
    expect([sock.code, sock.err]).toEqual([2, expect.stringMatching(/socket.*-o FILE/)]);
  }, 90_000);

  it('names a missing image and writes nothing', async () => {
    const n = ns();
    const out = join(dir, `missing-${n}.tar`);
    const o = captureIo();
    expect(await save(['-o', out, 'docker.io/nope/nope:1', '-n', n, '--control', h.sock], o)).toBe(
      1,
    );
    expect(o.stderr).toMatch(/no image docker\.io\/nope\/nope:1/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).some((x) => x.includes('cdesk-'))).toBe(false);
  });
});

describe.runIf(on)('cdesk system df / prune', () => {
  it('df counts content as ctr content ls does; prune keeps used images and removes the rest', async () => {
    const n = ns();
    expect(await load(['-i', f.img.archive, '-n', n, '--control', h.sock], captureIo())).toBe(0);
    const o = captureIo();
    expect(await system(['df', '-n', n, '--json', '--control', h.sock], o)).toBe(0);
    const df = JSON.parse(o.stdout);
    // The content store's bytes: manifest + config + layer, each once (what ctr images ls sums).
    expect(df.images.count).toBe(1);
    expect(df.images.contentBytes).toBe(f.img.size);
    expect(content(n).length).toBe(3);
    expect(df.images.unpackedBytes).toBeGreaterThan(500_000);
    expect(df.images.reclaimableBytes).toBe(f.img.size);

    // A second image (another archive) nobody uses, a stopped container, and a running one on NAME.
    const other = join(dir, `other-${n}.tar`);
    execFileSync(SKOPEO, [
      'copy',
      '--quiet',
      `oci-archive:${f.img.archive}`,
      `docker-archive:${other}:cdesk/other:1`,
    ]);
    expect(await load(['-i', other, '-n', n, '--control', h.sock], captureIo())).toBe(0);
    const running = `run-${n}`;
    const stopped = `stopped-${n}`;
    ctr(f.socket, n, ['run', '-d', NAME, running, 'sleep', '300']);
    ctr(f.socket, n, ['containers', 'create', NAME, stopped, 'true']);
    try {
      // Without --force and without a terminal: refused with a hint, nothing changes.
      await expect(
        system(['prune', '--all', '-n', n, '--control', h.sock], captureIo(), { stdinTty: false }),
      ).rejects.toThrow(/--force/);
      // Asked on a terminal, answered no: nothing changes.
      const asked = captureIo();
      expect(
        await system(['prune', '--all', '-n', n, '--control', h.sock], asked, {
          stdinTty: true,
          ask: async () => 'n',
        }),
      ).toBe(0);
      expect(asked.stderr).toContain(`container ${stopped}`);
      expect(asked.stderr).toContain('image docker.io/cdesk/other:1');
      expect(asked.stderr).not.toContain(`image ${NAME}`);
      expect(images(n).sort()).toEqual(['docker.io/cdesk/other:1', NAME].sort());

      const p = captureIo();
      expect(
        await system(['prune', '--all', '--force', '-n', n, '--json', '--control', h.sock], p),
      ).toBe(0);
      const r = JSON.parse(p.stdout);
      expect(r.containers).toEqual([stopped]);
      expect(r.images).toEqual(['docker.io/cdesk/other:1']);
      expect(images(n)).toEqual([NAME]);
      expect(ctr(f.socket, n, ['containers', 'ls', '-q']).split('\n').filter(Boolean)).toEqual([
        running,
      ]);
      // The other image's own manifest and config went with garbage collection; NAME's stayed.
      expect(content(n).length).toBe(3);
      expect(ctr(f.socket, n, ['images', 'check'])).toMatch(/complete/);
    } finally {
      ctr(f.socket, n, ['tasks', 'kill', '-s', 'SIGKILL', running]);
      await new Promise((res) => setTimeout(res, 500));
      ctr(f.socket, n, ['tasks', 'delete', running]);
      ctr(f.socket, n, ['containers', 'delete', running]);
    }
    // Nothing uses it now: prune --all removes it and GC takes its content and snapshots.
    expect(
      await system(['prune', '--all', '--force', '-n', n, '--control', h.sock], captureIo()),
    ).toBe(0);
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual([]);
    expect(snapshots(n)).toEqual([]);
  }, 120_000);

  it('on a terminal, Ctrl-D at the question means no (exit 0) and Ctrl-C stops (exit 130); nothing removed', async () => {
    ensureBuilt();
    const n = ns();
    expect(await load(['-i', f.img.archive, '-n', n, '--control', h.sock], captureIo())).toBe(0);
    for (const [key, code, says] of [
      ['\u0004', 0, /Nothing removed/],
      ['\u0003', 130, /Continue\? \[y\/N\]/],
    ] as const) {
      // script(1) gives the CLI a real terminal; -e passes its exit code on.
      const cmd = [
        process.execPath,
        CDESK,
        'system',
        'prune',
        '--all',
        '-n',
        n,
        '--control',
        h.sock,
      ]
        .map((a) => `'${a}'`)
        .join(' ');
      const child = spawn('script', ['-qec', cmd, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
      const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      await until(() => out.includes('Continue?'), 30_000, 'the question');
      child.stdin.write(key);
      expect(await exit, out).toBe(code);
      expect(out).toMatch(says);
      expect(out).not.toMatch(/AbortError|at .*node:internal/);
      expect(images(n)).toEqual([NAME]);
    }
  }, 90_000);
});
