// `cdesk daemon run`: the supervisor in the foreground (like `supervisord -n`), no app or display needed.
import { dirname } from 'node:path';
import type { EngineEvent } from '../../common/states';
import { EngineError } from '../engine/errors';
import { headStart, type HeadStart } from '../engine/head-start';
import { clockTime, formatStateLine, guardForeground, parseForeground } from './foreground';
import {
  formatOptions,
  SETTING_FLAG_NOTE,
  DAEMON_RUN_SPEC as SPEC,
  settingFlagLines,
  settingsFromFlags,
} from './settings-flags';

// The settings options and their defaults come from the settings table (common/settings-table.ts).
// Built only for --help: a plain run spends nothing on it before it spawns containerd.
const help = () => `usage: cdesk daemon run [options]

Runs the supervisor in the foreground: starts (or adopts) containerd, keeps it alive,
prints every state change. Ctrl-C (SIGINT) or SIGTERM stops containerd cleanly.

options:
${formatOptions([
  ['--json', 'one JSON object per line (state, health and log events)'],
  ['--logs', "also print containerd's log lines"],
  ['--keep-running', 'on SIGINT/SIGTERM leave containerd running (adopted next time)'],
  ['-h, --help', 'this help'],
])}

settings (this run only; the settings file is not read):
${formatOptions(settingFlagLines())}
  ${SETTING_FLAG_NOTE}

exit codes: 0 stopped on request, 1 containerd failed (crash loop, missing binary, bad
config…), 2 bad usage.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseForeground(argv, SPEC, help);
  if (!parsed) return 0;
  // A closed stdout/terminal (EPIPE, SIGHUP) must never end supervision. SIGHUP is
  // ignored from here; the streams are guarded once containerd is spawned, before any write.
  const guard = guardForeground('cdesk daemon run', { streamsLater: true });
  const { flags } = parsed;
  const settings = settingsFromFlags(flags);
  const json = flags.json === true;

  // One handler for the life of the process: a signal before the engine is there to act on it is
  // kept and acted on once it is (a default SIGTERM here would leave the head start's containerd
  // running unsupervised). Never swapped: with no listener left for a moment, Node closes the
  // signal's handle and a signal it had caught but not yet delivered is lost (seen: 4 in 20).
  const signals: { early: NodeJS.Signals | null; stop: ((sig: NodeJS.Signals) => void) | null } = {
    early: null,
    stop: null,
  };
  const onProcessSignal = (sig: NodeJS.Signals) => {
    if (signals.stop) signals.stop(sig);
    else signals.early ??= sig;
  };
  process.on('SIGINT', onProcessSignal);
  process.on('SIGTERM', onProcessSignal);

  // The state dir's lock before anything else (a second supervisor must touch nothing), then
  // containerd at once: the rest of the engine loads while it boots.
  let head: HeadStart;
  try {
    head = await headStart({ settings });
  } catch (err) {
    guard.guardStreams();
    if (!(err instanceof EngineError)) throw err;
    process.stderr.write(`cdesk daemon run: ${err.message}\n  → ${err.hint}\n`);
    return 1;
  }
  guard.guardStreams();
  let Supervisor: typeof import('../engine/supervisor').Supervisor;
  try {
    // Loaded once containerd is spawned, like the engine: nothing before the spawn waits for it.
    (await import('../shared/heap-growth')).boundHeapGrowth();
    ({ Supervisor } = await import('../engine/supervisor'));
  } catch (err) {
    head.spawned?.daemon.signal('SIGKILL');
    throw err;
  }
  const engine = new Supervisor({ settings, headStart: head });
  let lastLine = '';
  const out = (e: EngineEvent) => {
    if (json) {
      if (e.type === 'log' && !flags.logs) return;
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    if (e.type === 'state') {
      // The engine learns the version before it announces `running`: show it on that line.
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
    const finish = (leave: boolean, code: number) => {
      const pid = engine.status().pid;
      void engine.shutdown({ leaveRunning: leave }).then(() => {
        if (leave) process.stdout.write(leftRunningLine(json, pid, engine.status().paths.pidfile));
        resolve(code);
      });
    };
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const leave = flags['keep-running'] === true;
      if (!json)
        process.stdout.write(
          `${clockTime(Date.now())} ${sig}: ${leave ? 'leaving containerd running' : 'stopping containerd'}\n`,
        );
      finish(leave, failed ? 1 : 0);
    };
    signals.stop = onSignal;
    engine.onEvent((e) => {
      if (e.type === 'state' && e.state === 'failed' && !stopping) {
        stopping = true;
        failed = true;
        finish(false, 1);
      }
    });
  });
  // Keep the process alive while we supervise (timers may all be idle in some states).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  void engine.start();
  // After start(): the stop then finds the launch in flight and cancels it like any stop would.
  if (signals.early) signals.stop?.(signals.early);
  const code = await ended;
  clearInterval(keepAlive);
  return code;
}

/** The last line of `--keep-running`: which containerd was left, and how to pick it up again. */
function leftRunningLine(json: boolean, pid: number | null, pidfile: string): string {
  const stateDir = dirname(pidfile);
  if (json) return `${JSON.stringify({ type: 'left-running', pid, pidfile, stateDir })}\n`;
  if (pid === null)
    return `${clockTime(Date.now())} containerd was not running; nothing left behind\n`;
  return `${clockTime(Date.now())} left containerd running (pid ${pid}); \`cdesk daemon run --state ${stateDir}\` or \`cdesk serve --state ${stateDir}\` adopts it\n`;
}
