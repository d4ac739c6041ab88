// `cdesk serve`: headless mode: the engine, the control socket and the UI for a browser on 127.0.0.1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../../common/settings';
import type { EngineEvent } from '../../common/states';
import { AppError } from '../app/app-error';
import { createAppHost, type AppHost } from '../app/host';
import { DEFAULT_PORT, startHttpServer, type HttpServer } from '../headless/http-server';
import { removeTokenFile, tokenFilePath, writeTokenFile } from '../headless/token-file';
import { intFlag, type FlagSpec } from './args';
import { clockTime, formatStateLine, parseForeground } from './foreground';
import { formatError } from './common';
import { settingsFromFlags } from './cmd-run';

const HELP = `usage: cdesk serve [options]

Headless mode: supervises containerd like the desktop app (same settings, same control socket
for the other cdesk commands) and serves the app's window to a browser on 127.0.0.1 only.
The first line printed is the address to open; it carries a fresh access token:

  Containerd Desktop (headless) at http://127.0.0.1:${DEFAULT_PORT}/?token=…

The token is also written to <state dir>/serve.token (mode 0600) and changes on every start.
Ctrl-C (SIGINT) or SIGTERM quits; containerd is stopped unless the onQuit setting is
"leave-running".

options:
  --port N             port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --root DIR           containerd root parent, this session only (not saved)
  --state DIR          state dir: config, pidfile, socket, log, token; this session only
  --containerd PATH    containerd binary, this session only
  --log-level LEVEL    containerd log level, this session only
  --settings FILE      settings file (default $XDG_CONFIG_HOME/containerd-desktop/settings.json)
  --control PATH       control socket (default $XDG_RUNTIME_DIR/containerd-desktop/control.sock)
  --no-autostart       do not start containerd now, even if the autoStart setting is on
  --json               first line: {"url","port","token","tokenFile","controlSocket","pid"};
                       then one JSON object per state change
  -h, --help           this help

exit codes: 0 quit on request, 1 could not start (port or control socket in use, renderer not
built…), 2 bad usage.
`;

const SPEC: Record<string, FlagSpec> = {
  port: { type: 'string' },
  root: { type: 'string' },
  state: { type: 'string' },
  containerd: { type: 'string' },
  'log-level': { type: 'string' },
  settings: { type: 'string' },
  control: { type: 'string' },
  'no-autostart': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', alias: 'h' },
};

const FIELD_FOR_FLAG = {
  root: 'rootDir',
  state: 'stateDir',
  containerd: 'containerdPath',
  'log-level': 'logLevel',
} as const;

/** Session-only settings from the flags that were given (validated like `cdesk run`'s). */
export function overridesFromFlags(flags: Record<string, string | boolean | undefined>) {
  const given = Object.keys(FIELD_FOR_FLAG).filter((f) => typeof flags[f] === 'string');
  const full = settingsFromFlags(Object.fromEntries(given.map((f) => [f, flags[f]])));
  const out: Partial<Settings> = {};
  for (const f of given) {
    const field = FIELD_FOR_FLAG[f as keyof typeof FIELD_FOR_FLAG];
    (out as Record<string, unknown>)[field] = full[field];
  }
  return out;
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
  const { flags } = parsed;
  const port = intFlag(flags, 'port', 0, 65_535) ?? DEFAULT_PORT;
  const overrides = overridesFromFlags(flags);
  const json = flags.json === true;
  const fail = (err: unknown) => {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(formatError('cdesk serve', err));
    return 1;
  };

  let host: AppHost;
  try {
    host = await createAppHost({
      mode: 'headless',
      settingsFile: typeof flags.settings === 'string' ? flags.settings : undefined,
      controlSocket: typeof flags.control === 'string' ? flags.control : undefined,
      overrides,
      log: {
        warn: (m) => process.stderr.write(`cdesk serve: ${m}\n`),
        error: (m, e) =>
          process.stderr.write(`cdesk serve: ${m}: ${(e as Error)?.stack ?? String(e)}\n`),
      },
    });
  } catch (err) {
    return fail(err);
  }

  let server: HttpServer;
  try {
    server = await startHttpServer({ service: host.service, staticDir: rendererDir(), port });
  } catch (err) {
    await host.dispose({ leaveRunning: true });
    return fail(err);
  }
  const tokenFile = tokenFilePath(host.engine.status().paths.state);
  try {
    await writeTokenFile(tokenFile, server.token);
  } catch (err) {
    await server.close();
    await host.dispose({ leaveRunning: true });
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

  host.engine.onEvent((e: EngineEvent) => {
    if (e.type !== 'state') return;
    if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else process.stdout.write(formatStateLine(e));
  });

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
      void (async () => {
        let code = 0;
        try {
          await server.close();
          await host.dispose({ leaveRunning });
        } catch (err) {
          process.stderr.write(`cdesk serve: shutdown failed: ${(err as Error).message}\n`);
          code = 1;
        }
        await removeTokenFile(tokenFile, server.token).catch(() => undefined);
        // A lingering handle (a gRPC channel winding down) must not keep a quit process alive.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  if (host.settings.get().autoStart && flags['no-autostart'] !== true) {
    host.engine.start().catch((err: unknown) => {
      process.stderr.write(`cdesk serve: start failed: ${(err as Error).message}\n`);
    });
  }
  return done;
}
