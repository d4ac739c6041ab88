// One host's state badge: the status badge's look (shape + text, never colour alone) from its row's truth.
import type { HostTruth } from '../store/host-truth';

export function HostBadge(props: { truth: HostTruth; compact?: boolean; testId?: string }) {
  const t = props.truth;
  return (
    <span
      className={`badge tone-${t.tone}${props.compact ? ' badge-compact' : ''}`}
      data-testid={props.testId}
      data-kind={t.kind}
      title={t.reason ? `${t.label} · ${t.reason}` : t.label}
    >
      <span className="badge-icon" aria-hidden="true">
        {t.icon}
      </span>
      <span className="badge-label">{t.label}</span>
    </span>
  );
}
