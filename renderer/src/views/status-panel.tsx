// The Status page: failed hint, tiles, problems, health chart, "use from a terminal" and the folded paths.
import type { ReactNode } from 'react';
import { formatDateTime } from '../components/format';
import { useStore } from '../store/context';
import { CopyButton } from '../components/copy-button';
import { HealthChart } from '../components/health-chart';
import { LinkedText } from '../components/linked-text';
import { ProblemList } from '../components/problem-list';
import { StatusTiles } from '../components/status-tiles';
import { TerminalBox } from '../components/terminal-box';

function PathRow(props: { label: string; value: string; testId?: string }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        <code className="path" data-testid={props.testId}>
          {props.value}
        </code>
        <CopyButton text={props.value} label={`Copy ${props.label.toLowerCase()} path`} />
      </dd>
    </>
  );
}

function Paths() {
  const status = useStore((s) => s.status);
  const info = useStore((s) => s.appInfo);
  if (!status) return null;
  const p = status.paths;
  return (
    <details className="card paths">
      <summary>Files and sockets</summary>
      <dl className="facts">
        <PathRow label="Socket" value={p.socket} testId="path-socket" />
        <PathRow label="Config" value={p.config} testId="path-config" />
        <PathRow label="Log file" value={p.log} />
        <PathRow label="Root" value={p.root} />
        <PathRow label="State" value={p.state} />
        <PathRow
          label="Control socket"
          value={info?.controlSocket ?? 'none'}
          testId="control-socket"
        />
      </dl>
      {status.lastExit && (
        <p className="muted">Last exit at {formatDateTime(status.lastExit.at)}.</p>
      )}
    </details>
  );
}

/** `extraTile` adds a tile the frame supplies (the disk tile needs the inside store). */
export function StatusPanel(props: {
  extraTile?: (stale: boolean) => ReactNode;
  /** The namespace the other pages show, for "Use from a terminal". */
  namespace?: string;
}) {
  const status = useStore((s) => s.status);
  return (
    <div className="page-body status-page">
      {status?.hint && (
        <p className="hint" data-testid="status-hint">
          <LinkedText text={status.hint} />
        </p>
      )}
      <StatusTiles extra={props.extraTile} />
      <ProblemList />
      <HealthChart />
      <div className="two-col">
        <TerminalBox namespace={props.namespace} />
        <Paths />
      </div>
    </div>
  );
}
