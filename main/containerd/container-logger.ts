// The per-container log writer the runc shim starts (a `binary://` log URI): stdout on fd 3, stderr
// on fd 4, fd 5 closed once ready. It writes docker's json-file lines (one file, both streams
// tagged, so `logs` keeps stderr apart and in order) and rotates the file by size.
//
// The launcher closes fd 5 before Node starts: Tasks/Create waits for that close, and Node's own
// start-up (~50–250 ms on a loaded machine) would otherwise sit inside every run and restart. Nothing
// is lost by saying "ready" early: the output pipes are the logger's from the exec on and buffer
// what the task writes until Node reads it, and containerd 1.6 takes an exit before the close
// (EOF) as ready too, so the wait never caught a logger that failed to start.
//
// Why not `file://`: the shim then writes stdout and stderr into the one file, untagged
// (containerd's cmd/containerd-shim-runc-v2/process/io.go). The shim runs this with no
// environment but CONTAINER_ID/CONTAINER_NAMESPACE and no PATH, so a tiny sh launcher names
// Node by its absolute path.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/write-file-atomic';

/**
 * The logger's whole program. Self-contained on purpose: its source text (Function#toString) is
 * written next to the launcher, so it may use only its parameter and globals.
 */
export function loggerProgram(load: (id: string) => unknown): void {
  const fs = load('node:fs') as typeof import('node:fs');
  const net = load('node:net') as typeof import('node:net');
  const argv = process.argv.slice(2);
  const opt: Record<string, string> = {};
  // The shim passes the URI's query as "key value" pairs in no set order.
  for (let i = 0; i + 1 < argv.length; i += 2) opt[argv[i]!] = argv[i + 1]!;
  const file = opt.file;
  if (!file || !file.startsWith('/')) process.exit(2);
  const max = Math.max(4096, Number(opt.max) || 10 * 1024 * 1024);
  const keep = Math.max(1, Math.min(50, Number(opt.keep) || 3));
  const MAX_LINE = 16 * 1024;
  let fd = fs.openSync(file, 'a', 0o600);
  let size = fs.fstatSync(fd).size;

  const rotate = (): void => {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(`${file}.${keep}`);
    } catch {
      // not there yet
    }
    for (let i = keep - 1; i >= 1; i--) {
      try {
        fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    fs.renameSync(file, `${file}.1`);
    fd = fs.openSync(file, 'a', 0o600);
    size = 0;
  };
  const write = (stream: string, text: string): void => {
    const line = Buffer.from(
      `${JSON.stringify({ log: text, stream, time: new Date().toISOString() })}\n`,
    );
    if (size > 0 && size + line.length > max) rotate();
    fs.writeSync(fd, line);
    size += line.length;
  };
  // The shim holds the pipes open until the task is deleted, so no EOF tells us a task ended on
  // a line without its newline (a prompt, `printf x`): a line end quiet this long is written as
  // a partial line, which readers join with what follows.
  const IDLE_MS = 200;
  const pending: Record<string, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  const idle: Record<string, ReturnType<typeof setTimeout> | undefined> = {};
  const flush = (stream: string): void => {
    clearTimeout(idle[stream]);
    if (pending[stream]!.length) write(stream, pending[stream]!.toString('utf8'));
    pending[stream] = Buffer.alloc(0);
  };
  let open = 2;
  const done = (): void => {
    flush('stdout');
    flush('stderr');
    fs.closeSync(fd);
    process.exit(0);
  };
  for (const [stream, n] of [
    ['stdout', 3],
    ['stderr', 4],
  ] as const) {
    const s = new net.Socket({ fd: n, readable: true, writable: false });
    s.on('data', (chunk: Buffer) => {
      let buf = Buffer.concat([pending[stream]!, chunk]);
      let nl = buf.indexOf(10);
      while (nl !== -1) {
        write(stream, buf.subarray(0, nl + 1).toString('utf8'));
        buf = buf.subarray(nl + 1);
        nl = buf.indexOf(10);
      }
      // A line without an end is written in pieces, as docker's json-file does.
      while (buf.length >= MAX_LINE) {
        write(stream, buf.subarray(0, MAX_LINE).toString('utf8'));
        buf = buf.subarray(MAX_LINE);
      }
      pending[stream] = buf;
      clearTimeout(idle[stream]);
      if (buf.length) idle[stream] = setTimeout(() => flush(stream), IDLE_MS);
    });
    s.on('error', () => s.destroy());
    s.on('close', () => {
      flush(stream);
      if (--open === 0) done();
    });
  }
  // The shim sends SIGTERM when the task's IO closes: keep what was read.
  process.on('SIGTERM', done);
}

export interface LoggerPaths {
  launcher: string;
  script: string;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Write the launcher and the program into `binDir` (when changed) and return their paths.
 * `node` is the Node (or Electron) binary that runs the program.
 */
export async function ensureLogger(binDir: string, node = process.execPath): Promise<LoggerPaths> {
  await mkdir(binDir, { recursive: true, mode: 0o700 });
  // Not cdesk-logger.cjs: that program closes fd 5 itself, as launchers written by older versions
  // expect. Each launcher names the program of its own protocol, and the program is written before
  // the launcher, so a task the restart monitor starts during an upgrade gets a matching pair.
  const script = join(binDir, 'cdesk-logger-after-ready.cjs');
  const launcher = join(binDir, 'cdesk-logger');
  const program = `'use strict';\n// Written by Containerd Desktop: the container log writer (see container-logger.ts).\nvar __name = function (f) { return f; };\n(${loggerProgram.toString()})(require);\n`;
  const sh = `#!/bin/sh\n# Written by Containerd Desktop: runs the container log writer with an absolute Node path.\nELECTRON_RUN_AS_NODE=1 exec ${shQuote(node)} ${shQuote(script)} "$@" 5>&-\n`;
  for (const [path, text, mode] of [
    [script, program, 0o600],
    [launcher, sh, 0o700],
  ] as const) {
    const now = await readFile(path, 'utf8').catch(() => null);
    if (now !== text) await writeFileAtomic(path, text, mode, { durable: false });
  }
  return { launcher, script };
}

/** The task's stdout/stderr URI: the launcher with the log file and rotation in its query. */
export function loggerUri(
  launcher: string,
  file: string,
  rotate: { maxBytes: number; keep: number },
): string {
  const q = new URLSearchParams({
    file,
    max: String(rotate.maxBytes),
    keep: String(rotate.keep),
  });
  return `binary://${encodeURI(launcher)}?${q.toString()}`;
}
