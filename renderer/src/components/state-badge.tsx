// The state badge: the daemon's state, coloured per state, with the reason; announced on change.
import { useStore } from '../store/context';

export function StateBadge() {
  const status = useStore((s) => s.status);
  const connection = useStore((s) => s.connection);
  const state = status?.state ?? 'unknown';
  return (
    <div className="state-line" aria-live="polite" aria-atomic="true">
      <span className={`badge state-${state}`} data-testid="state-badge" data-state={state}>
        {state}
      </span>
      <span className="state-reason" data-testid="state-reason">
        {connection === 'open' ? (status?.reason ?? 'loading…') : 'not connected'}
      </span>
    </div>
  );
}
