// A process started inside a running container (Tasks/Exec), with its stdio over FIFOs this app
// creates and holds, as containerd's Go client (cio) does: the shim opens the same paths.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsc, openSync, promises as fsp, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ContainersService,
  GetContainerRequest,
} from '../shared/api/services/containers/v1/containers';
import {
  CloseIORequest,
  DeleteProcessRequest,
  ExecProcessRequest,
  GetRequest,
  KillRequest,
  ResizePtyRequest,
  StartRequest,
  TasksService,
  WaitRequest,
} from '../shared/api/services/tasks/v1/tasks';
import { Status } from '../shared/api/types/task/task';
import type { ContainerdClient } from './client';
import { fromGrpc, InsideError } from './errors';
import { noContainer } from './container-info';

const run = promisify(execFile);

/** The process spec type containerd's client puts in ExecProcessRequest.spec. */
const PROCESS_SPEC_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
/** After the exit, how long the output may take to reach EOF (a background child can hold it open). */
const DRAIN_MS = 2_000;
/** Kill + delete on the way out: containerd answers in milliseconds unless its shim is stuck. */
const CLEANUP_MS = 5_000;

export interface ExecSpec {
  namespace: string;
  /** The container. */
  id: string;
  args: string[];
  tty: boolean;
  stdin: boolean;
  /** KEY=VALUE entries that replace or add to the container's environment. */
  env: string[];
  cwd?: string;
  /** uid[:gid] or a name from the container's /etc/passwd. */
  user?: string;
  cols?: number;
  rows?: number;
}

/** How an exec ended: its exit status, or why it has none. */
export type ExecEnd =
  | { kind: 'exit'; code: number }
  /** containerd went away while the process ran: its exit status cannot be known. */
  | { kind: 'cut-off'; message: string };

export interface ExecProcess {
  readonly execId: string;
  readonly pid: number;
  /** Write to the process's stdin; `done` runs once the bytes are in the FIFO. */
  write(chunk: Buffer, done: (err?: Error) => void): void;
  /** EOF on stdin (our end closed, then CloseIO so the shim closes its own). */
  closeStdin(): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
  /** Stop / resume reading output: a stopped reader fills the FIFO and the process blocks on write. */
  pause(): void;
  resume(): void;
  /** Settles once the process ended and its output was read (or cut off); never rejects. */
  readonly ended: Promise<ExecEnd>;
  /** SIGKILL the process (if still running), delete it and remove its FIFOs; idempotent. */
  dispose(): Promise<void>;
}

export interface ExecStart {
  /** A folder of the app's own (0700) where each exec gets its FIFOs. */
  fifoRoot: string;
  /**
   * Output as it is read; false says the reader is a window ahead: reading stops until resume().
   * (Output can come before start() returns the process to pause: a fast command writes it all.)
   */
  onOutput(fd: 1 | 2, chunk: Buffer): boolean | void;
}

/** docker's exit codes for a command that cannot run: 127 not found, 126 not executable. */
export class ExecCommandError extends InsideError {
  constructor(
    readonly exitCode: 126 | 127,
    message: string,
    hint: string,
    cause: unknown,
  ) {
    super(exitCode === 127 ? 'command-not-found' : 'command-not-executable', message, hint, {
      cause,
    });
  }
}

/** The exit code docker gives a failed start (127: not found, 126: not executable), or null. */
export function commandErrorCode(message: string): 126 | 127 | null {
  // A missing working directory says "no such file" too, but the command itself is not at fault.
  if (/chdir to cwd/i.test(message)) return 126;
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|not a directory|exec format error/i.test(message)) return 126;
  return null;
}

interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  args: string[];
  env?: string[];
  cwd: string;
  [k: string]: unknown;
}

/** The container's env with `overrides` (KEY=VALUE) replacing the same keys and adding the rest. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const key = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const over = new Map(overrides.map((e) => [key(e), e]));
  const out = base.filter((e) => !over.has(key(e)));
  return [...out, ...over.values()];
}

/** Resolve `name[:group]` or `uid[:gid]` with the container's /etc/passwd and /etc/group. */
export function resolveUser(
  user: string,
  passwd: string | null,
  group: string | null,
): { uid: number; gid: number } {
  const [u = '', g] = user.split(':', 2);
  const lookup = (table: string | null, name: string, what: string): string[] => {
    const row = table
      ?.split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name);
    if (!row)
      throw new InsideError(
        'bad-payload',
        `user: no ${what} ${name} in the container's /etc/${what === 'user' ? 'passwd' : 'group'}`,
        'Pass a numeric uid[:gid] (e.g. -u 1000:1000) or a name the container knows.',
      );
    return row;
  };
  const num = (s: string) => (/^\d{1,10}$/.test(s) ? Number(s) : null);
  let uid = num(u);
  let gid: number;
  if (uid === null) {
    const row = lookup(passwd, u, 'user');
    uid = Number(row[2]);
    gid = Number(row[3]);
  } else {
    const row = passwd
      ?.split('\n')
      .map((l) => l.split(':'))
      .find((f) => Number(f[2]) === uid && f[2] !== '');
    gid = row ? Number(row[3]) : 0;
  }
  if (g !== undefined) gid = num(g) ?? Number(lookup(group, g, 'group')[2]);
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid))
    throw new InsideError(
      'bad-payload',
      `user: cannot read ${user}`,
      'Pass uid[:gid], e.g. -u 1000:1000.',
    );
  return { uid, gid };
}

/** The process spec: the container's own, with the command, terminal, env, cwd and user asked for. */
export function execProcessSpec(
  base: OciProcess,
  s: ExecSpec,
  user: { uid: number; gid: number } | null,
): OciProcess {
  const p: OciProcess = { ...base, args: s.args, terminal: s.tty };
  p.env = mergeEnv(base.env ?? [], s.env);
  if (s.tty && !p.env.some((e) => e.startsWith('TERM='))) p.env.push('TERM=xterm');
  if (s.cwd) p.cwd = s.cwd;
  if (user) p.user = { ...base.user, uid: user.uid, gid: user.gid, additionalGids: [] };
  if (s.tty && s.cols && s.rows) p.consoleSize = { height: s.rows, width: s.cols };
  else delete p.consoleSize;
  return p;
}

function readIn(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/root${file}`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * One FIFO end as a socket (libuv reads and writes FIFOs like pipes, on its event loop, without
 * blocking a thread). O_NONBLOCK: opening never waits for the other end. A writer is never read
 * from: on a read-write stdin FIFO that would take the bytes meant for the shim.
 */
function openFifo(path: string, flags: number): net.Socket {
  const fd = openSync(path, flags | fsc.O_NONBLOCK);
  const readable = (flags & (fsc.O_WRONLY | fsc.O_RDWR)) === 0;
  return new net.Socket({ fd, readable, writable: !readable });
}

interface FifoSet {
  dir: string;
  paths: { stdin: string; stdout: string; stderr: string };
}

/** A private folder with the three FIFOs an exec may use (the unused ones go with the folder). */
async function makeFifoSet(root: string): Promise<FifoSet> {
  await fsp.mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await fsp.mkdtemp(join(root, 'x-'));
  const paths = {
    stdin: join(dir, 'stdin'),
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
  };
  try {
    // Node has no mkfifo(3); the coreutils tool with an argv (no shell) is the portable way.
    await run('mkfifo', ['-m', '0600', '--', paths.stdin, paths.stdout, paths.stderr]);
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  return { dir, paths };
}

/**
 * One FIFO set made ahead per root: the mkfifo spawn (10–30 ms on a busy machine) was on every
 * exec's path. An exec takes the spare (or makes its own when there is none) and the next spare
 * is made in the background. A spare left by the previous run of the app, and the folders of execs
 * it never cleaned up, are swept before this run's first set is made.
 */
const spares = new Map<string, Promise<FifoSet>>();
const swept = new Map<string, Promise<void>>();

function sweep(root: string): Promise<void> {
  let done = swept.get(root);
  if (!done) {
    done = fsp
      .readdir(root)
      .then((names) =>
        Promise.all(
          names
            .filter((n) => n.startsWith('x-'))
            .map((n) => fsp.rm(join(root, n), { recursive: true, force: true })),
        ),
      )
      .then(
        () => undefined,
        () => undefined,
      );
    swept.set(root, done);
  }
  return done;
}

function makeSpare(root: string): void {
  if (spares.has(root)) return;
  const made = makeFifoSet(root);
  spares.set(root, made);
  made.catch(() => {
    if (spares.get(root) === made) spares.delete(root);
  });
}

/** The exec's FIFOs (stdin only with -i, stderr only without a TTY). */
async function takeFifos(root: string, s: ExecSpec): Promise<FifoSet> {
  await sweep(root);
  const spare = spares.get(root);
  spares.delete(root);
  const set = (spare && (await spare.catch(() => null))) || (await makeFifoSet(root));
  makeSpare(root);
  return {
    dir: set.dir,
    paths: {
      stdin: s.stdin ? set.paths.stdin : '',
      stdout: set.paths.stdout,
      stderr: s.tty ? '' : set.paths.stderr,
    },
  };
}

/**
 * Start `s.args` in the container's running task. Resolves once the process runs; rejects with an
 * InsideError (ExecCommandError with 126/127 when the command cannot run), leaving nothing behind.
 */
export async function startExec(
  c: ContainerdClient,
  s: ExecSpec,
  o: ExecStart,
): Promise<ExecProcess> {
  const ns = { namespace: s.namespace };
  // Taken (or, without a spare, made: a process spawn) while containerd answers the lookups.
  const io = takeFifos(o.fifoRoot, s);
  io.catch(() => undefined); // handled where it is awaited; a rejection meanwhile is no crash
  const dropIo = () =>
    void io.then(({ dir }) => fsp.rm(dir, { recursive: true, force: true })).catch(() => undefined);
  let base: OciProcess;
  let taskPid: number;
  try {
    const notFound = (err: unknown) => {
      if (err instanceof InsideError && err.code === 'not-found') return null;
      throw err;
    };
    const [task, container] = await Promise.all([
      c
        .call(TasksService.get, GetRequest.create({ container_id: s.id }), ns)
        .then((r) => r.process ?? null)
        .catch(notFound),
      c
        .call(ContainersService.get, GetContainerRequest.create({ id: s.id }), ns)
        .then((r) => r.container ?? null)
        .catch(notFound),
    ]);
    if (!container) throw await noContainer(c, s.namespace, s.id);
    if (!task || task.status !== Status.RUNNING)
      throw new InsideError(
        'failed-precondition',
        `container ${s.id} is not running in namespace ${s.namespace}`,
        `Start it first; exec runs a process inside a running container.`,
      );
    taskPid = task.pid;
    try {
      base = (JSON.parse(container.spec!.value.toString('utf8')) as { process: OciProcess })
        .process;
      if (!base || !Array.isArray(base.args)) throw new Error('no process in the spec');
    } catch (err) {
      throw new InsideError(
        'containerd-api-error',
        `container ${s.id} has no readable OCI spec (${err instanceof Error ? err.message : String(err)})`,
        'Exec needs a container created with an OCI runtime spec (ctr, nerdctl or this app create one).',
      );
    }
  } catch (err) {
    dropIo();
    throw err;
  }
  const user = s.user
    ? resolveUser(s.user, readIn(taskPid, '/etc/passwd'), readIn(taskPid, '/etc/group'))
    : null;
  const spec = execProcessSpec(base, s, user);

  const execId = `cdesk-exec-${randomBytes(6).toString('hex')}`;
  const { dir, paths } = await io;
  const socks: net.Socket[] = [];
  let holders: net.Socket[] = [];
  let created = false;
  let waitAbort: AbortController | null = null;
  const cleanupIo = async () => {
    for (const k of [...socks, ...holders]) k.destroy();
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  const deleteProcess = () =>
    c
      .call(
        TasksService.deleteProcess,
        DeleteProcessRequest.create({ container_id: s.id, exec_id: execId }),
        { ...ns, timeoutMs: CLEANUP_MS },
      )
      .catch(() => undefined);
  try {
    // Readers first: the shim opens stdout/stderr for writing and blocks until a reader exists.
    // A second, write-only end keeps each reader from seeing EOF before the shim has opened its own.
    const outputs: { fd: 1 | 2; sock: net.Socket }[] = [];
    for (const [fd, path] of [
      [1, paths.stdout],
      [2, paths.stderr],
    ] as const) {
      if (!path) continue;
      const sock = openFifo(path, fsc.O_RDONLY);
      socks.push(sock);
      outputs.push({ fd, sock });
      holders.push(openFifo(path, fsc.O_WRONLY));
    }
    // Read-write: opening never blocks or fails for want of a reader, and the shim reads it.
    const stdin = paths.stdin ? openFifo(paths.stdin, fsc.O_RDWR) : null;
    if (stdin) socks.push(stdin);
    let paused = false;
    const pauseReading = () => {
      paused = true;
      for (const { sock } of outputs) sock.pause();
    };
    const drained = outputs.map(
      ({ fd, sock }) =>
        new Promise<void>((resolve) => {
          sock.on('data', (b: Buffer) => {
            if (o.onOutput(fd, b) === false) pauseReading();
          });
          sock.on('end', resolve);
          sock.on('close', resolve);
          sock.on('error', () => resolve());
        }),
    );

    await c.call(
      TasksService.exec,
      ExecProcessRequest.create({
        container_id: s.id,
        exec_id: execId,
        terminal: s.tty,
        ...paths,
        spec: { type_url: PROCESS_SPEC_TYPE, value: Buffer.from(JSON.stringify(spec)) },
      }),
      ns,
    );
    created = true;
    // Wait before Start, as ctr does, so a process that ends at once cannot be missed.
    waitAbort = new AbortController();
    const waited = c.channel
      .unary(TasksService.wait, WaitRequest.create({ container_id: s.id, exec_id: execId }), {
        namespace: s.namespace,
        signal: waitAbort.signal,
      })
      .then(
        (r): ExecEnd => ({ kind: 'exit', code: r.exit_status }),
        (err: unknown): ExecEnd => ({
          kind: 'cut-off',
          message: `lost containerd while the process ran (${fromGrpc(err, 'Tasks/Wait', c.socket, 0).message}); its exit status is unknown`,
        }),
      );
    let pid: number;
    try {
      pid = (
        await c.call(
          TasksService.start,
          StartRequest.create({ container_id: s.id, exec_id: execId }),
          ns,
        )
      ).pid;
    } catch (err) {
      waitAbort.abort();
      const msg = err instanceof InsideError ? err.message : String(err);
      const code = commandErrorCode(msg);
      if (code)
        throw new ExecCommandError(
          code,
          msg,
          /chdir to cwd/.test(msg)
            ? 'The working directory does not exist in the container: pass an existing one with -w.'
            : code === 127
              ? `Check the command's name and PATH inside the container (e.g. run /bin/sh).`
              : 'The file is not an executable the container can run (check its mode and format).',
          err,
        );
      throw err;
    }
    // The shim holds its ends now: let EOF through once it closes them.
    for (const h of holders) h.destroy();
    holders = [];

    // Output may stay open after the exit (a background child holds it): stop waiting for EOF once
    // nothing arrived for DRAIN_MS while we were reading. A paused reader keeps it waiting (the
    // client has not caught up yet), so the tail of a slow reader's output is not lost.
    let lastData = Date.now();
    for (const { sock } of outputs) sock.on('data', () => (lastData = Date.now()));
    const quiet = () =>
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (paused) lastData = Date.now();
          else if (Date.now() - lastData >= DRAIN_MS) {
            clearInterval(t);
            resolve();
          }
        }, 100);
        t.unref();
      });
    let disposed: Promise<void> | null = null;
    let finished = false;
    const ended = waited.then(async (end) => {
      // Output written just before the exit is still in the FIFOs: read it out (bounded wait).
      if (end.kind === 'exit') await Promise.race([Promise.all(drained), quiet()]);
      finished = true;
      return end;
    });
    return {
      execId,
      pid,
      write(chunk, done) {
        if (!stdin || stdin.destroyed) return done(new Error('stdin is closed'));
        stdin.write(chunk, (err) => done(err ?? undefined));
      },
      async closeStdin() {
        if (!stdin || stdin.destroyed) return;
        await new Promise<void>((resolve) => stdin.end(resolve));
        stdin.destroy();
        await c
          .call(
            TasksService.closeIo,
            CloseIORequest.create({ container_id: s.id, exec_id: execId, stdin: true }),
            ns,
          )
          .catch((err: unknown) => {
            if (!(err instanceof InsideError && err.code === 'not-found')) throw err;
          });
      },
      async resize(cols, rows) {
        if (!s.tty) return;
        await c.call(
          TasksService.resizePty,
          ResizePtyRequest.create({
            container_id: s.id,
            exec_id: execId,
            width: cols,
            height: rows,
          }),
          ns,
        );
      },
      pause: pauseReading,
      resume() {
        paused = false;
        for (const { sock } of outputs) sock.resume();
      },
      ended,
      dispose() {
        disposed ??= (async () => {
          if (!finished) {
            await c
              .call(
                TasksService.kill,
                KillRequest.create({ container_id: s.id, exec_id: execId, signal: 9 }),
                { ...ns, timeoutMs: CLEANUP_MS },
              )
              .catch(() => undefined);
            // The exit must be in before the delete, or containerd refuses to delete it.
            await Promise.race([ended, new Promise((r) => setTimeout(r, CLEANUP_MS).unref())]);
          }
          waitAbort?.abort();
          await deleteProcess();
          await cleanupIo();
        })();
        return disposed;
      },
    };
  } catch (err) {
    waitAbort?.abort();
    if (created) await deleteProcess();
    await cleanupIo();
    throw err;
  }
}
