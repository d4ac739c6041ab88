// Quitting without orphans: hold the app open until the host has stopped (or handed off) containerd.

export interface QuitGuardDeps {
  /** Read at quit time: true when settings.onQuit is 'leave-running'. */
  leaveRunning(): Promise<boolean>;
  dispose(opts: { leaveRunning: boolean }): Promise<void>;
  /** Leave the process for real (app.exit), skipping before-quit. */
  exit(code: number): void;
  log(message: string): void;
  /** Give up waiting after this long (the pidfile still lets the next launch adopt the daemon). */
  timeoutMs: number;
}

export interface QuitGuard {
  /** True once a quit has begun (window close handlers use it to stop hiding to the tray). */
  readonly quitting: boolean;
  /** before-quit handler: defers the quit until dispose has finished. */
  onBeforeQuit(event: { preventDefault(): void }): void;
  /** Begin quitting (tray Quit, SIGINT, SIGTERM); idempotent, resolves when exit was called. */
  quit(): Promise<void>;
}

/** Build the guard; the shell wires onBeforeQuit to app 'before-quit' and quit() to signals. */
export function createQuitGuard(deps: QuitGuardDeps): QuitGuard {
  let phase: 'running' | 'disposing' | 'done' = 'running';
  let pending: Promise<void> | null = null;

  const run = async (): Promise<void> => {
    let code = 0;
    try {
      const leaveRunning = await deps.leaveRunning().catch(() => false);
      deps.log(
        `quitting: ${leaveRunning ? 'leaving containerd running for adoption' : 'stopping containerd'}`,
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), deps.timeoutMs);
      });
      const outcome = await Promise.race([
        deps.dispose({ leaveRunning }).then(() => 'done' as const),
        timeout,
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        code = 1;
        deps.log(
          `quitting: shutdown took over ${deps.timeoutMs} ms; exiting, the next launch adopts or cleans up`,
        );
      }
    } catch (err) {
      code = 1;
      deps.log(`quitting: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      phase = 'done';
      deps.exit(code);
    }
  };

  return {
    get quitting() {
      return phase !== 'running';
    },
    onBeforeQuit(event) {
      if (phase === 'done') return;
      event.preventDefault();
      void this.quit();
    },
    quit() {
      if (!pending) {
        phase = 'disposing';
        pending = run();
      }
      return pending;
    },
  };
}
