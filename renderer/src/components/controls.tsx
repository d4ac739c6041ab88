// Start / Stop / Restart, enabled only when they make sense, with progress and the failure's hint.
import type { DaemonState } from '../../../common/states';
import { useDispatcher, useStore } from '../store/context';
import type { ControlCommand } from '../store/store';

/** Which control commands make sense in each state. */
export const ENABLED_IN: Record<ControlCommand, readonly DaemonState[]> = {
  'daemon:start': ['stopped', 'failed'],
  'daemon:stop': ['starting', 'running', 'unhealthy', 'backoff'],
  'daemon:restart': ['running', 'unhealthy', 'backoff'],
};

const BUTTONS: { cmd: ControlCommand; label: string; busy: string; testId: string }[] = [
  { cmd: 'daemon:start', label: 'Start', busy: 'Starting…', testId: 'btn-start' },
  { cmd: 'daemon:stop', label: 'Stop', busy: 'Stopping…', testId: 'btn-stop' },
  { cmd: 'daemon:restart', label: 'Restart', busy: 'Restarting…', testId: 'btn-restart' },
];

export function Controls() {
  const dispatcher = useDispatcher();
  const state = useStore((s) => s.status?.state ?? null);
  const pending = useStore((s) => s.pending);
  const failure = useStore((s) => s.commandError);
  const connected = useStore((s) => s.connection === 'open');
  return (
    <div className="controls">
      <div className="button-row" role="group" aria-label="containerd controls">
        {BUTTONS.map((b) => {
          const enabled =
            connected && !pending && state !== null && ENABLED_IN[b.cmd].includes(state);
          return (
            <button
              key={b.cmd}
              type="button"
              data-testid={b.testId}
              disabled={!enabled}
              aria-busy={pending === b.cmd}
              onClick={() => void dispatcher.control(b.cmd)}
            >
              {pending === b.cmd ? (
                <>
                  <span className="spinner" aria-hidden="true" /> {b.busy}
                </>
              ) : (
                b.label
              )}
            </button>
          );
        })}
      </div>
      <div aria-live="polite" className="sr-only" data-testid="command-progress">
        {pending ? BUTTONS.find((b) => b.cmd === pending)?.busy : ''}
      </div>
      {failure && (
        <div className="command-error" role="alert" data-testid="command-error">
          <strong>{failure.error.message}</strong>
          <span data-testid="command-hint">{failure.error.hint}</span>
          <button type="button" className="link" onClick={() => dispatcher.clearCommandError()}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
