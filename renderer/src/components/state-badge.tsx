// The state badge and its one-line reason (full text on hover); announced politely on change.
import { useTruth } from './hooks';
import { useStore } from '../store/context';
import { useHostScope } from '../store/hosts-context';

export function StateBadge() {
  const truth = useTruth();
  const state = useStore((s) => s.status?.state ?? null);
  const connection = useStore((s) => s.connection);
  const { host, remote } = useHostScope();
  // On another host a dropped link is that host's, not this window's link to the app.
  const lost =
    remote && truth.kind === 'unknown' && connection !== 'open' && connection !== 'refused';
  const loading = remote && truth.kind === 'loading';
  const say = (text: string) =>
    lost
      ? text.replace('lost the connection to the app', `the link to ${host} is down`)
      : loading
        ? text.replace('Containerd Desktop', host)
        : text;
  const reason = say(truth.reason);
  const detail = say(truth.detail);
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
      <span className="state-reason" data-testid="state-reason" title={detail}>
        {reason}
      </span>
    </div>
  );
}
