// The state badge and its one-line reason (full text on hover); announced politely on change.
import { useTruth } from './hooks';
import { useStore } from '../store/context';

export function StateBadge() {
  const truth = useTruth();
  const state = useStore((s) => s.status?.state ?? null);
  // data-state is what we can vouch for: the daemon's state, or unhealthy/unknown when we know better.
  const dataState =
    truth.kind === 'unknown' || truth.kind === 'loading'
      ? 'unknown'
      : truth.kind === 'unhealthy'
        ? 'unhealthy'
        : (state ?? 'unknown');
  return (
    <div className="state-line" aria-live="polite" aria-atomic="true">
      <span
        className={`badge tone-${truth.tone}`}
        data-testid="state-badge"
        data-state={dataState}
        data-kind={truth.kind}
      >
        <span className="badge-icon" aria-hidden="true">
          {truth.icon}
        </span>
        <span data-testid="state-label">{truth.label}</span>
      </span>
      <span className="state-reason" data-testid="state-reason" title={truth.detail}>
        {truth.reason}
      </span>
    </div>
  );
}
