// Liveness probing of the running daemon on its channel: at most one pending check.
import { performance } from 'node:perf_hooks';
import type { HealthResult } from '../../common/states';
import type { DaemonChannel } from '../shared/daemon-channel';
import { checkHealth, daemonVersion } from './health';

export interface CheckResult {
  ok: boolean;
  result: HealthResult;
  latencyMs: number;
  detail?: string;
  /** Monotonic ms when the answer (or the deadline) came. */
  now: number;
}

export class Liveness {
  private channel: DaemonChannel | null = null;
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;

  /** Check the daemon behind `channel` (the supervisor makes a new one for every daemon). */
  open(channel: DaemonChannel): void {
    this.close();
    this.channel = channel;
  }

  /** Run one check after `delayMs`; a later schedule() or cancel() replaces it. */
  schedule(delayMs: number, timeoutMs: number, onResult: (r: CheckResult) => void): void {
    this.cancel();
    const gen = ++this.generation;
    this.timer = setTimeout(() => {
      this.timer = null;
      const channel = this.channel;
      if (!channel) return;
      void checkHealth(channel, timeoutMs).then((r) => {
        if (gen !== this.generation || this.channel !== channel) return;
        const ok = r.result === 'SERVING';
        onResult({ ok, ...r, now: performance.now() });
      });
    }, delayMs);
  }

  /** containerd's version over the same channel; null on failure or timeout. */
  async version(timeoutMs: number): Promise<{ version: string; revision: string } | null> {
    const channel = this.channel;
    if (!channel) return null;
    return daemonVersion(channel, timeoutMs).catch(() => null);
  }

  cancel(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Cancel the pending check and forget the channel (its owner closes it). */
  close(): void {
    this.cancel();
    this.channel = null;
  }
}
