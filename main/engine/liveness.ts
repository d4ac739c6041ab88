// Liveness probing of the running daemon: one health channel and at most one pending check.
import { performance } from 'node:perf_hooks';
import type { HealthResult } from '../../common/states';
import { HealthClient } from './health';

export interface CheckResult {
  ok: boolean;
  result: HealthResult;
  latencyMs: number;
  detail?: string;
  /** Monotonic ms when the answer (or the deadline) came. */
  now: number;
}

export class Liveness {
  private client: HealthClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;

  /** Use a channel to `socket` (a new one after every respawn: no inherited backoff). */
  open(socket: string): void {
    this.close();
    this.client = new HealthClient(socket);
  }

  /** Run one check after `delayMs`; a later schedule() or cancel() replaces it. */
  schedule(delayMs: number, timeoutMs: number, onResult: (r: CheckResult) => void): void {
    this.cancel();
    const gen = ++this.generation;
    this.timer = setTimeout(() => {
      this.timer = null;
      const client = this.client;
      if (!client) return;
      void client.check(timeoutMs).then((r) => {
        if (gen !== this.generation || this.client !== client) return;
        const ok = r.result === 'SERVING';
        onResult({ ok, ...r, now: performance.now() });
      });
    }, delayMs);
  }

  /** containerd's version over the same channel; null on failure or timeout. */
  async version(timeoutMs: number): Promise<{ version: string; revision: string } | null> {
    const client = this.client;
    if (!client) return null;
    return client.version(timeoutMs).catch(() => null);
  }

  cancel(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Cancel the pending check and close the channel (in-flight calls settle as cancelled). */
  close(): void {
    this.cancel();
    this.client?.close();
    this.client = null;
  }
}
