// The line over another host's pages: unreachable since when (and what the pages still show), read-only, or no such host.
import { hostTruth, unreachableText } from '../store/host-truth';
import { useHostRow, useHostScope, useHosts, useOptionalHostsStore } from '../store/hosts-context';
import { OVERVIEW_HASH } from '../store/pages';
import { useSecondTick } from './hooks';

export function HostBanner() {
  const { host, remote, readOnly } = useHostScope();
  const row = useHostRow();
  const listed = useHosts((s) => s.hosts !== null);
  const store = useOptionalHostsStore();
  const waiting = !!row && row.phase !== 'up';
  const now = useSecondTick(waiting && row.retryAt != null);
  if (!remote) return null;
  if (!row) {
    if (!listed) return null;
    return (
      <div className="host-banner host-banner-bad" role="alert" data-testid="host-banner">
        <strong>No saved host is named “{host}”.</strong>{' '}
        <span>
          Add it with <code>cdesk host add {host} ssh://user@host</code>, or pick one in the{' '}
          <a href={OVERVIEW_HASH}>Overview</a>.
        </span>
      </div>
    );
  }
  const down = unreachableText(row, store?.downSince(host) ?? null, now);
  if (!down && !readOnly) return null;
  const truth = hostTruth(row, now);
  return (
    <div className="host-banners">
      {down && (
        <div
          className="host-banner host-banner-down"
          role="status"
          data-testid="host-banner"
          data-kind={truth.kind}
        >
          <strong>{down}</strong>
          {row.error && (
            <span className="muted">
              {' '}
              {row.error.message} — {row.error.hint}
            </span>
          )}
        </div>
      )}
      {readOnly && (
        <div className="host-banner host-banner-ro" data-testid="host-readonly">
          <strong>{host} is read-only:</strong> <span>{readOnly}</span>
        </div>
      )}
    </div>
  );
}
