// Start / Stop / Restart in a fixed-width group: enabled only when they make sense; a busy button keeps focus; Stop and Restart ask first while containers run.
import { useState } from 'react';
import { confirmFor, type ConfirmSpec } from '../../../common/confirm';
import { canControl, type ControlAction } from '../../../common/controls';
import { useDispatcher, useStore } from '../store/context';
import { useWriteBlock } from '../store/hosts-context';
import type { ControlCommand } from '../store/store';
import { ConfirmDialog } from './confirm-dialog';

export const BUTTONS: { cmd: ControlCommand; label: string; busy: string; testId: string }[] = [
  { cmd: 'daemon:start', label: 'Start', busy: 'Starting…', testId: 'btn-start' },
  { cmd: 'daemon:stop', label: 'Stop', busy: 'Stopping…', testId: 'btn-stop' },
  { cmd: 'daemon:restart', label: 'Restart', busy: 'Restarting…', testId: 'btn-restart' },
];

/** The action each command is, as the tray names it: the same states enable it, the same question asks first. */
const ACTION: Record<ControlCommand, ControlAction> = {
  'daemon:start': 'start',
  'daemon:stop': 'stop',
  'daemon:restart': 'restart',
};

export function Controls() {
  const dispatcher = useDispatcher();
  const status = useStore((s) => s.status);
  const state = status?.state ?? null;
  const [asking, setAsking] = useState<{ cmd: ControlCommand; spec: ConfirmSpec } | null>(null);
  const pending = useStore((s) => s.pending);
  const connected = useStore((s) => s.connection === 'open');
  const block = useWriteBlock();
  return (
    <div className="controls" role="group" aria-label="containerd controls">
      {BUTTONS.map((b) => {
        const enabled =
          connected && !block && !pending && state !== null && canControl(ACTION[b.cmd], state);
        const busy = pending === b.cmd;
        // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>, and the
        // button the user just pressed would lose it while busy or when the new state disables it.
        return (
          <button
            key={b.cmd}
            type="button"
            className={busy ? 'busy' : undefined}
            data-testid={b.testId}
            aria-disabled={!enabled}
            title={block ? `${b.label}: ${block}` : undefined}
            aria-busy={busy}
            onClick={() => {
              if (!enabled) return;
              // The "On quit" choice only matters for quitting, which the window does not offer.
              const spec = status ? confirmFor(ACTION[b.cmd], status, 'stop') : null;
              if (spec) setAsking({ cmd: b.cmd, spec });
              else void dispatcher.control(b.cmd);
            }}
          >
            {busy ? (
              <>
                <span className="spinner" aria-hidden="true" /> {b.busy}
              </>
            ) : (
              b.label
            )}
          </button>
        );
      })}
      <span aria-live="polite" className="sr-only" data-testid="command-progress">
        {pending ? BUTTONS.find((b) => b.cmd === pending)?.busy : ''}
      </span>
      {asking && (
        <ConfirmDialog
          title={asking.spec.message}
          confirmLabel={asking.spec.confirmLabel}
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const cmd = asking.cmd;
            setAsking(null);
            void dispatcher.control(cmd);
          }}
        >
          <p>{asking.spec.detail}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** A failed command, in the strip: message and hint on one line (full text on hover), dismissable. */
export function CommandError() {
  const dispatcher = useDispatcher();
  const failure = useStore((s) => s.commandError);
  if (!failure) return null;
  const full = `${failure.error.message} — ${failure.error.hint}`;
  return (
    <div className="strip-alert" role="alert" data-testid="command-error" title={full}>
      <span className="strip-alert-text">
        <strong>{failure.error.message}</strong>{' '}
        <span data-testid="command-hint">{failure.error.hint}</span>
      </span>
      <button
        type="button"
        className="link"
        aria-label="Dismiss the error"
        onClick={() => dispatcher.clearCommandError()}
      >
        Dismiss
      </button>
    </div>
  );
}
