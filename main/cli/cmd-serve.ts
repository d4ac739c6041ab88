// `cdesk serve`: headless mode: the engine, the control socket and the UI for a browser on 127.0.0.1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { EngineEvent } from '../../common/states';
import { AppError, toContractError } from '../shared/app-error';
import { boundHeapGrowth } from '../shared/heap-growth';
import { createAppHost, type AppHost } from '../host/host';
import { defaultHostsFile } from '../hosts/hosts-file';
import { DEFAULT_PORT, startHttpServer, type HttpServer } from '../headless/http-server';
import { readKeptToken, tokenFilePath, writeTokenFile } from '../headless/token-file';
import { intFlag, UsageError, type FlagSpec, type Parsed } from './args';
import { clockTime, formatStateLine, guardForeground, parseForeground } from './foreground';
import { formatError } from './common';
import {
  formatOptions,
  SETTING_FLAG_NOTE,
  SETTING_FLAG_SPEC,
  settingFlagLines,
  settingsPatchFromFlags,
} from './settings-flags';

/** The port's environment variable, for setups that cannot pass flags (`npm start`, a unit file). */
export const PORT_ENV = 'CDESK_PORT';

const HELP = `usage: cdesk serve [options]

Headless mode: supervises containerd like the desktop app (same settings, same control socket
for the other cdesk commands) and serves the app's window to a browser on 127.0.0.1 only.
The first line printed is the address to open; it carries an access token:

  Containerd Desktop (headless) at http://127.0.0.1:${DEFAULT_PORT}/?token=…

The token is also kept in <state dir>/serve.token (mode 0600). A restart reuses that file's
token, so an open tab reconnects by itself; --new-token (or deleting the file) makes a fresh one.
Ctrl-C (SIGINT) or SIGTERM quits; containerd is stopped unless the onQuit setting is
"leave-running". The hosts saved with \`cdesk host add\` are linked over ssh and shown in the
window, as in the desktop app (the file is read again when it changes).

options:
${formatOptions([
  [
    '--port N',
    `port on 127.0.0.1 (default $${PORT_ENV}, else ${DEFAULT_PORT}; 0 picks a free one)`,
  ],
  ['--settings FILE', 'settings file (default $XDG_CONFIG_HOME/containerd-desktop/settings.json)'],
  ['--control PATH', 'control socket (default $XDG_RUNTIME_DIR/containerd-desktop/control.sock)'],
  ['--no-autostart', 'do not start containerd now, even if the autoStart setting is on'],
  ['--new-token', 'a fresh access token instead of the one in <state dir>/serve.token'],
  ['--json', 'first line: {"url","port","token","tokenFile","controlSocket","pid"};'],
  ['', 'then one JSON object per state change'],
  ['-h, --help', 'this help'],
])}

settings (this session only, over the settings file; never saved):
${formatOptions(settingFlagLines())}
  ${SETTING_FLAG_NOTE}

environment:
  ${PORT_ENV}=N      the port when --port is not given (\`${PORT_ENV}=8080 npm start\` works too)

exit codes: 0 quit on request, 1 could not start (port or control socket in use, renderer not
built…), 2 bad usage.
`;

const SPEC: Record<string, FlagSpec> = {
  ...SETTING_FLAG_SPEC,
  port: { type: 'string' },
  settings: { type: 'string' },
  control: { type: 'string' },
  'no-autostart': { type: 'boolean' },
  'new-token': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/**
 * The port: --port, else $CDESK_PORT (empty counts as unset), else the default. A bad value names
 * where it came from, since a stale variable is easy to forget.
 */
export function servePort(flags: Parsed['flags'], env: NodeJS.ProcessEnv): number {
  const fromFlag = intFlag(flags, 'port', 0, 65_535);
  if (fromFlag !== undefined) return fromFlag;
  const v = env[PORT_ENV]?.trim();
  if (!v) return DEFAULT_PORT;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (n <= 65_535) return n;
  throw new UsageError(
    `${PORT_ENV} must be a whole number from 0 to 65535 (got "${v}"): fix it, unset it (unset ${PORT_ENV}) or pass --port N`,
  );
}

/** Session-only settings from the options that were given (parsed and checked by the settings table). */
export function overridesFromFlags(flags: Record<string, string | boolean | undefined>) {
  return settingsPatchFromFlags(flags);
}

/**
 * Log uncaught errors and keep going: the supervisor must outlive any one failing surface.
 * A closed stdout (`cdesk serve --json | head -1`) only stops the printing.
 */
function keepSupervising(): void {
  const say = (what: string, err: unknown) => {
    try {
      process.stderr.write(
        `cdesk serve: ${what} (still supervising): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    } catch {
      // stderr is gone too; nothing left to tell.
    }
  };
  process.on('uncaughtException', (err) => say('uncaught error', err));
  process.on('unhandledRejection', (err) => say('unhandled rejection', err));
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
}

/** dist/renderer next to the bundled CLI (dist/cli.js), or from the source tree (tsx). */
export function rendererDir(): string {
  const candidates = [
    new URL('./renderer/', import.meta.url),
    new URL('../../dist/renderer/', import.meta.url),
  ];
  const found = candidates.find((u) => existsSync(fileURLToPath(new URL('index.html', u))));
  return fileURLToPath(found ?? candidates[0]!);
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseForeground(argv, SPEC, HELP);
  if (!parsed) return 0;
  // A closed stdout/terminal (EPIPE, SIGHUP) must never end supervision.
  guardForeground('cdesk serve');
  boundHeapGrowth();
  const { flags } = parsed;
  const port = servePort(flags, process.env);
  const overrides = overridesFromFlags(flags);
  const json = flags.json === true;
  const fail = (err: unknown) => {
    const e = toContractError(err);
    // Expected failures (port in use, folder unsafe, state dir owned by another supervisor) say
    // what to do; only a bug shows its stack.
    if (e.code === 'internal') throw err;
    process.stderr.write(formatError('cdesk serve', e));
    return 1;
  };
  // A surface failing (a client, a broken stdout) must never leave containerd unsupervised.
  keepSupervising();

  let host: AppHost;
  try {
    host = await createAppHost({
      mode: 'headless',
      settingsFile: typeof flags.settings === 'string' ? flags.settings : undefined,
      controlSocket: typeof flags.control === 'string' ? flags.control : undefined,
      overrides,
      // Before the control socket or the token: a second serve on this state dir touches nothing.
      claimStateDir: true,
      // The hosts `cdesk host add` saved: hosts:list and the window show them, as the desktop app's do.
      hostsFile: defaultHostsFile(process.env),
      log: {
        warn: (m) => process.stderr.write(`cdesk serve: ${m}\n`),
        info: (m) => process.stderr.write(`cdesk serve: ${m}\n`),
        error: (m, e) =>
          process.stderr.write(`cdesk serve: ${m}: ${(e as Error)?.stack ?? String(e)}\n`),
      },
    });
  } catch (err) {
    return fail(err);
  }

  // Start containerd now, alongside the HTTP server and the token file (the state dir is already
  // ours): its boot is the longest step, so nothing else waits in front of it. State
  // events are held until the address line is printed, which stays the first line out.
  type StateEvent = Extract<EngineEvent, { type: 'state' }>;
  const early: StateEvent[] = [];
  let printEvent: ((e: StateEvent) => void) | null = null;
  host.engine.onEvent((e: EngineEvent) => {
    if (e.type !== 'state') return;
    if (printEvent) printEvent(e);
    else early.push(e);
  });
  const autoStart = host.settings.get().autoStart && flags['no-autostart'] !== true;
  const started = autoStart
    ? host.engine.start().catch((err: unknown) => {
        process.stderr.write(`cdesk serve: start failed: ${(err as Error).message}\n`);
      })
    : Promise.resolve();
  /** Undo on a failed surface: stop the containerd this serve started; leave an adopted one be. */
  const abandon = async () => {
    await started;
    await host.dispose({ leaveRunning: host.engine.status().adopted });
  };

  const tokenFile = tokenFilePath(host.engine.status().paths.state);
  // The same token across restarts: a tab left open on the old server keeps working.
  const kept = flags['new-token'] === true ? null : await readKeptToken(tokenFile);
  if (kept && kept.token === null && kept.why)
    process.stderr.write(`cdesk serve: not reusing the old token: ${kept.why}; made a new one\n`);
  let server: HttpServer;
  try {
    server = await startHttpServer({
      service: host.service,
      staticDir: rendererDir(),
      port,
      token: kept?.token ?? undefined,
      // The page's image uploads and saves are staged in the app's own (0700) state folder.
      transferDir: path.join(host.engine.status().paths.state, 'transfers'),
    });
  } catch (err) {
    await abandon();
    return fail(err);
  }
  try {
    await writeTokenFile(tokenFile, server.token);
  } catch (err) {
    await server.close();
    await abandon();
    return fail(
      new AppError(
        'token-file',
        `cannot write the token file ${tokenFile}: ${(err as Error).message}`,
        'Check that the state dir is writable by you, or pass another --state.',
      ),
    );
  }
  const info = host.info();
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ url: server.url, port: server.port, token: server.token, tokenFile, controlSocket: info.controlSocket, pid: process.pid })}\n`,
    );
  } else {
    process.stdout.write(`Containerd Desktop (headless) at ${server.url}\n`);
    process.stdout.write(
      `  token file ${tokenFile} · control socket ${info.controlSocket ?? 'none'} · Ctrl-C quits\n`,
    );
  }

  printEvent = (e: StateEvent) => {
    if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else process.stdout.write(formatStateLine(e));
  };
  for (const e of early.splice(0)) printEvent(e);

  const done = new Promise<number>((resolve) => {
    let quitting = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (quitting) {
        process.exit(130);
      }
      quitting = true;
      const leaveRunning = host.settings.get().onQuit === 'leave-running';
      if (!json)
        process.stdout.write(
          `${clockTime(Date.now())} ${sig}: ${leaveRunning ? 'leaving containerd running' : 'stopping containerd'}\n`,
        );
      // Containers outlive containerd; say so, since nothing can manage them until it is back.
      const notice = leaveRunning ? null : host.inside.cachedStopNotice();
      if (notice && !json) process.stdout.write(`  ${notice}\n`);
      void (async () => {
        let code = 0;
        // The token file stays: the next start reuses it, so open tabs reconnect.
        try {
          await server.close();
          await host.dispose({ leaveRunning });
        } catch (err) {
          process.stderr.write(`cdesk serve: shutdown failed: ${(err as Error).message}\n`);
          code = 1;
        }
        // A lingering handle (a gRPC channel winding down) must not keep a quit process alive.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  return done;
}
