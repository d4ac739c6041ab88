// `cdesk run`: the supervisor in the foreground (like `supervisord -n`), no app or display needed.
import { defaultSettings, parseSettings, type Settings } from '../../common/settings';
import type { EngineEvent } from '../../common/states';
import { Supervisor } from '../engine/supervisor';
import { intFlag, UsageError, type FlagSpec } from './args';
import { clockTime, formatStateLine, parseForeground } from './foreground';

const HELP = `usage: cdesk run [options]

Runs the supervisor in the foreground: starts (or adopts) containerd, keeps it alive,
prints every state change. Ctrl-C (SIGINT) or SIGTERM stops containerd cleanly.

options:
  --root DIR                 containerd root parent (containerd uses DIR/daemon)
  --state DIR                state dir: config, pidfile, socket, log (containerd uses DIR/daemon)
  --containerd PATH          containerd binary (default: PATH, then next to the app)
  --log-level LEVEL          containerd log level: trace|debug|info|warn|error|fatal|panic
  --overrides FILE           TOML merged over the generated containerd config
  --json                     one JSON object per line (state, health and log events)
  --logs                     also print containerd's log lines
  --keep-running             on SIGINT/SIGTERM leave containerd running (adopted next time)
  --hang-policy P            restart|report: what to do with a live daemon that stops answering
  --backoff-initial MS       first backoff delay (default 500)
  --backoff-max MS           backoff cap (default 30000)
  --immediate-if-healthy MS  respawn at once if the run was healthy this long (default 10000)
  --breaker-failures N       failed starts that trip the crash-loop breaker (default 5)
  --breaker-window MS        window for the breaker (default 300000)
  --liveness-interval MS     liveness check period (default 5000)
  --liveness-timeout MS      liveness check deadline (default 3000)
  --liveness-failures N      consecutive failures that mean hung (default 3)
  --startup-budget MS        time allowed to become healthy (default 60000)
  --stop-grace MS            SIGTERM grace before SIGKILL (default 10000)
  -h, --help                 this help

exit codes: 0 stopped on request, 1 containerd failed (crash loop, missing binary, bad
config…), 2 bad usage.
`;

const SPEC: Record<string, FlagSpec> = {
  root: { type: 'string' },
  state: { type: 'string' },
  containerd: { type: 'string' },
  'log-level': { type: 'string' },
  overrides: { type: 'string' },
  json: { type: 'boolean' },
  logs: { type: 'boolean' },
  'keep-running': { type: 'boolean' },
  'hang-policy': { type: 'string' },
  'backoff-initial': { type: 'string' },
  'backoff-max': { type: 'string' },
  'immediate-if-healthy': { type: 'string' },
  'breaker-failures': { type: 'string' },
  'breaker-window': { type: 'string' },
  'liveness-interval': { type: 'string' },
  'liveness-timeout': { type: 'string' },
  'liveness-failures': { type: 'string' },
  'startup-budget': { type: 'string' },
  'stop-grace': { type: 'string' },
  help: { type: 'boolean', alias: 'h' },
};

const FLAG_FOR_FIELD: Record<string, string> = {
  rootDir: '--root',
  stateDir: '--state',
  containerdPath: '--containerd',
  logLevel: '--log-level',
  overridesFile: '--overrides',
  hangPolicy: '--hang-policy',
  'restart.backoffInitialMs': '--backoff-initial',
  'restart.backoffMaxMs': '--backoff-max',
  'restart.immediateIfHealthyForMs': '--immediate-if-healthy',
  'restart.breakerMaxFailures': '--breaker-failures',
  'restart.breakerWindowMs': '--breaker-window',
  'health.livenessIntervalMs': '--liveness-interval',
  'health.livenessTimeoutMs': '--liveness-timeout',
  'health.livenessFailures': '--liveness-failures',
  'health.startupBudgetMs': '--startup-budget',
  stopGraceMs: '--stop-grace',
};

/** Turn flags into validated settings; errors name the flag. Exported for tests. */
export function settingsFromFlags(flags: Record<string, string | boolean | undefined>): Settings {
  const d = defaultSettings();
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const int = (k: string) => intFlag(flags, k, 0, 86_400_000);
  const input = {
    ...d,
    rootDir: str('root') ?? d.rootDir,
    stateDir: str('state') ?? d.stateDir,
    containerdPath: str('containerd') ?? d.containerdPath,
    logLevel: str('log-level') ?? d.logLevel,
    overridesFile: str('overrides') ?? d.overridesFile,
    hangPolicy: str('hang-policy') ?? d.hangPolicy,
    stopGraceMs: int('stop-grace') ?? d.stopGraceMs,
    restart: {
      ...d.restart,
      backoffInitialMs: int('backoff-initial') ?? d.restart.backoffInitialMs,
      backoffMaxMs: int('backoff-max') ?? d.restart.backoffMaxMs,
      immediateIfHealthyForMs: int('immediate-if-healthy') ?? d.restart.immediateIfHealthyForMs,
      breakerMaxFailures: int('breaker-failures') ?? d.restart.breakerMaxFailures,
      breakerWindowMs: int('breaker-window') ?? d.restart.breakerWindowMs,
    },
    health: {
      ...d.health,
      livenessIntervalMs: int('liveness-interval') ?? d.health.livenessIntervalMs,
      livenessTimeoutMs: int('liveness-timeout') ?? d.health.livenessTimeoutMs,
      livenessFailures: int('liveness-failures') ?? d.health.livenessFailures,
      startupBudgetMs: int('startup-budget') ?? d.health.startupBudgetMs,
    },
  };
  // Relative paths from a terminal mean "relative to here"; settings want absolute ones.
  for (const k of ['rootDir', 'stateDir', 'containerdPath', 'overridesFile'] as const) {
    const v = input[k];
    if (typeof v === 'string' && !v.startsWith('/')) input[k] = `${process.cwd()}/${v}`;
  }
  const r = parseSettings(input);
  if (!r.ok) {
    const e = r.errors[0]!;
    throw new UsageError(`${FLAG_FOR_FIELD[e.field] ?? e.field}: ${e.message}`);
  }
  return r.value;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseForeground(argv, SPEC, HELP);
  if (!parsed) return 0;
  const { flags } = parsed;
  const settings = settingsFromFlags(flags);
  const json = flags.json === true;
  const engine = new Supervisor({ settings });
  let lastLine = '';
  const out = (e: EngineEvent) => {
    if (json) {
      if (e.type === 'log' && !flags.logs) return;
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    if (e.type === 'state') {
      // The version arrives just after `running`: fold it into one line instead of repeating.
      const v = e.state === 'running' ? engine.status().version : null;
      const line = formatStateLine(e, v ? `containerd ${v.version}` : '');
      if (line.slice(13) !== lastLine) process.stdout.write(line);
      lastLine = line.slice(13);
    } else if (e.type === 'health' && !e.ok)
      process.stdout.write(
        `${clockTime(e.at)} health    ${e.result} (${e.latencyMs.toFixed(1)} ms, ${e.failures} in a row)\n`,
      );
    else if (e.type === 'log' && flags.logs)
      for (const l of e.lines) process.stdout.write(`  | ${l.raw}\n`);
  };
  engine.onEvent(out);

  let failed = false;
  const ended = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const leave = flags['keep-running'] === true;
      if (!json)
        process.stdout.write(
          `${clockTime(Date.now())} ${sig}: ${leave ? 'leaving containerd running' : 'stopping containerd'}\n`,
        );
      void engine.shutdown({ leaveRunning: leave }).then(() => resolve(failed ? 1 : 0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    engine.onEvent((e) => {
      if (e.type === 'state' && e.state === 'failed') {
        failed = true;
        void engine.shutdown({ leaveRunning: false }).then(() => resolve(1));
      }
    });
  });
  // Keep the process alive while we supervise (timers may all be idle in some states).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  void engine.start();
  const code = await ended;
  clearInterval(keepAlive);
  return code;
}
