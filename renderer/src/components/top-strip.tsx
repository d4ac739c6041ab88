// The fixed top strip: badge and one-line reason on the left, warnings in the middle, controls pinned right.
import { useStore } from '../store/context';
import { CommandError, Controls } from './controls';
import { ProblemsChip } from './problems-chip';
import { StateBadge } from './state-badge';
import { TasksIndicator } from './tasks-indicator';

function LoadError() {
  const error = useStore((s) => s.loadError);
  const commandError = useStore((s) => s.commandError);
  if (!error || commandError) return null;
  return (
    <div
      className="strip-alert"
      role="alert"
      data-testid="load-error"
      title={`${error.message} — ${error.hint}`}
    >
      <span className="strip-alert-text">
        <strong>{error.message}</strong> {error.hint}
      </span>
    </div>
  );
}

function Notice() {
  const notice = useStore((s) => s.status?.notice);
  if (!notice) return null;
  return (
    <span className="chip chip-info" data-testid="status-notice" title={notice}>
      <span aria-hidden="true">ℹ</span> <span className="chip-text">{notice}</span>
    </span>
  );
}

export function TopStrip() {
  return (
    <header className="top-strip" data-testid="top-strip">
      <div className="strip-left">
        <StateBadge />
        <ProblemsChip />
        <TasksIndicator />
        <Notice />
        <LoadError />
        <CommandError />
      </div>
      <Controls />
    </header>
  );
}
