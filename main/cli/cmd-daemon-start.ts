// `cdesk daemon start [--wait]`: start (or adopt) containerd; --wait follows progress until it runs or fails.
import type { DaemonStatus } from '../../common/states';
import { formatCountdown, formatDuration } from '../../common/duration';
import { durationFlag, UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { reportStatus } from './daemon-action';
import { formatStatus } from './format-status';

const USAGE = `usage: cdesk daemon start [--wait [--timeout DURATION]] [--json]

Start containerd (or adopt one already running). Exits 0 when it is running, 1 when it failed.
  --wait           keep waiting through starting/backoff until running or failed (progress on stderr)
  --timeout D      give up waiting after D: 90s, 5m (a bare number is seconds; default 2m; exit 1)
`;

const DEFAULT_TIMEOUT_MS = 120_000;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    { wait: { type: 'boolean' }, timeout: { type: 'string' } },
    USAGE,
    io,
    { positionals: 0 },
  );
  if (!p) return EXIT.ok;
  const timeoutMs = durationFlag(p.flags, 'timeout', 's', 1000, 86_400_000);
  if (timeoutMs !== undefined && !p.flags.wait)
    throw new UsageError('--timeout only makes sense with --wait');
  if (!p.flags.wait) {
    return withClient('daemon start', p.flags, io, async (c) => {
      const r = await c.invoke('daemon:start', {});
      if (!r.ok) return reportFailure('daemon start', r.error, p.flags, io);
      return reportStatus(
        r.value,
        r.value.state === 'failed' ? 'running' : r.value.state,
        p.flags,
        io,
      );
    });
  }
  const deadlineMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return withClient('daemon start', p.flags, io, async (c) => {
    let settle!: (s: DaemonStatus | 'timeout') => void;
    const settled = new Promise<DaemonStatus | 'timeout'>((resolve) => (settle = resolve));
    const isFinal = (s: DaemonStatus) =>
      s.state === 'running' || s.state === 'failed' || s.state === 'stopped';
    // Final states seen before our start call answered may belong to an earlier stop; ignore them.
    let answered = false;
    // Subscribe before starting so no transition between the two is missed.
    const off = await c.events((e) => {
      if (e.event !== 'daemon:state') return;
      const t = e.payload.transition;
      if (t)
        io.err(
          `${t.state}: ${t.reason}${t.retryInMs ? ` (retry in ${formatCountdown(t.retryInMs)})` : ''}\n`,
        );
      if (answered && isFinal(e.payload.status)) settle(e.payload.status);
    });
    const timer = setTimeout(() => settle('timeout'), deadlineMs);
    try {
      const r = await Promise.race([c.invoke('daemon:start', {}), settled.then(() => null)]);
      answered = true;
      if (r && !r.ok) return reportFailure('daemon start', r.error, p.flags, io);
      if (r && isFinal(r.value)) settle(r.value);
      else if (r) {
        // It may have settled between the answer and now, with the event already gone by.
        const now = await c.invoke('daemon:status', {});
        if (now.ok && isFinal(now.value)) settle(now.value);
      }
      const final = await settled;
      if (final === 'timeout') {
        const s = await c.invoke('daemon:status', {});
        io.err(
          `cdesk daemon start: containerd is not running after ${formatDuration(deadlineMs)}\n`,
        );
        if (s.ok) io.err(formatStatus(s.value));
        if (p.flags.json && s.ok) io.out(`${JSON.stringify(s.value, null, 2)}\n`);
        return EXIT.failed;
      }
      return reportStatus(final, 'running', p.flags, io);
    } finally {
      clearTimeout(timer);
      off();
    }
  });
}
