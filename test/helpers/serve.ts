// Test helpers for headless mode: spawn `cdesk serve`, run other cdesk commands, launch Chromium.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { removeTree, requireContainerd } from './engine';
import { canRunContainers } from './oci-image';

export const ROOT = join(import.meta.dirname, '..', '..');
/** Where the e2e tests leave the screenshots a person looks at. */
export const SHOTS = join(ROOT, 'test-output', 'screenshots');
export const CDESK = join(ROOT, 'bin', 'cdesk.cjs');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless system Chromium with CHROMIUM_ARGS. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Skip locally without Chromium (saying why); fail when CDESK_REQUIRE_CHROMIUM=1. */
export function requireChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CDESK_REQUIRE_CHROMIUM === '1')
    throw new Error(`Chromium is required (CDESK_REQUIRE_CHROMIUM=1) but ${CHROMIUM} is missing`);
  console.warn(`skipping: ${CHROMIUM} not installed (apt-get install chromium)`);
  return false;
}

/** Build dist/ (CLI and renderer) once if a test run starts from a clean checkout. */
export function ensureBuilt(): void {
  if (
    !existsSync(join(ROOT, 'dist', 'cli.js')) ||
    !existsSync(join(ROOT, 'dist', 'cli-run.cjs')) ||
    !existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))
  )
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

export interface ServeInfo {
  url: string;
  port: number;
  token: string;
  tokenFile: string;
  controlSocket: string;
  pid: number;
}

export interface Serve {
  child: ChildProcess;
  info: ServeInfo;
  dir: string;
  control: string;
  settingsFile: string;
  stateDir: string;
  logFile: string;
  stdoutLines: string[];
  stderr: () => string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  cleanup(): void;
}

export interface StartServeOptions {
  /** More `cdesk serve` flags. */
  extra?: string[];
  /** Temp dir prefix: keep it short (unix socket paths must stay under 108 bytes). */
  prefix?: string;
  /** Written to the settings file before the server starts. */
  settings?: object;
  /** What node runs instead of bin/cdesk.cjs, e.g. [--import, hook, DIR/cli.js] for another build. */
  entry?: string[];
  /** The server's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Reuse this folder (a previous serve's `dir`: same state dir, settings, token file). */
  dir?: string;
  /** The port (default 0: a free one). */
  port?: number;
}

/** `cdesk serve --port 0 --json --no-autostart` in a short temp dir; resolves once it printed its URL. */
export async function startServe(opts: StartServeOptions = {}): Promise<Serve> {
  const dir = opts.dir ?? mkdtempSync(opts.prefix ?? '/tmp/cds-');
  const control = join(dir, 'control.sock');
  const settingsFile = join(dir, 'settings.json');
  if (opts.settings) writeFileSync(settingsFile, JSON.stringify(opts.settings));
  const stateDir = join(dir, 's');
  const child = spawn(
    process.execPath,
    [
      ...(opts.entry ?? [CDESK]),
      'serve',
      '--port',
      String(opts.port ?? 0),
      '--json',
      '--no-autostart',
      '--state',
      stateDir,
      '--root',
      join(dir, 'r'),
      '--containerd',
      '/usr/bin/containerd',
      '--settings',
      settingsFile,
      '--control',
      control,
      ...(opts.extra ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env },
  );
  const stdoutLines: string[] = [];
  let err = '';
  let buf = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const first = new Promise<ServeInfo>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (stdoutLines.length === 0) {
          try {
            resolve(JSON.parse(line) as ServeInfo);
          } catch (e) {
            reject(new Error(`first line is not JSON: ${line} (${String(e)})`));
          }
        }
        stdoutLines.push(line);
      }
    });
    void exit.then((code) => reject(new Error(`cdesk serve exited with ${code}: ${err}`)));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const info = await first;
  return {
    child,
    info,
    dir,
    control,
    settingsFile,
    stateDir,
    logFile: join(stateDir, 'containerd.log'),
    stdoutLines,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exit;
    },
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      removeTree(dir);
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `cdesk ARGS…` to completion (`env` replaces the environment when given). */
export function cdesk(
  args: string[],
  timeoutMs = 60_000,
  env?: NodeJS.ProcessEnv,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CDESK, ...args],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, ...(env ? { env } : {}) },
      (error, stdout, stderr) => {
        const code =
          error && typeof (error as NodeJS.ErrnoException).code === 'number'
            ? (error as unknown as { code: number }).code
            : error
              ? -1
              : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `cdesk serve` with containerd started (`cdesk daemon start --wait`), and containerd's socket. */
export async function startServeRunning(
  opts: StartServeOptions = {},
): Promise<{ serve: Serve; socket: string }> {
  const serve = await startServe(opts);
  const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
  if (started.code !== 0) throw new Error(`cdesk daemon start failed: ${started.stderr}`);
  const status = JSON.parse(
    (await cdesk(['status', '--json', '--control', serve.control])).stdout,
  ) as { paths: { socket: string } };
  return { serve, socket: status.paths.socket };
}

/**
 * Whether a window e2e that runs containers can run here (Chromium, containerd, and containers,
 * which need root): false with a printed reason when not; CI has them all.
 */
export function windowWithContainersReady(what: string): boolean {
  const can = canRunContainers();
  if (!can.ok) console.warn(`skipping the ${what} e2e: ${can.reason}`);
  return requireChromium() && requireContainerd() && can.ok;
}
