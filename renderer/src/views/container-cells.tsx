// The cells of one container row: checkbox, status chip, name + short id, image, pid, age, actions.
import { memo } from 'react';
import type { ContainerInfo } from '../../../common/containerd';
import type { LastExit } from '../store/inside-reduce';
import type { RowAction } from '../store/inside-state';
import type { RowStats } from '../store/row-stats';
import { formatBytes } from '../../../common/format-bytes';
import { formatCpu } from '../components/container-stats';
import { useHostScope, useWriteBlock } from '../store/hosts-context';
import { containerHash } from '../store/pages';
import {
  containerActions,
  containerAge,
  containerChip,
  shortId,
} from '../components/inside-format';

export interface ContainerRowProps {
  c: ContainerInfo;
  now: number;
  startedAt: number | undefined;
  lastExit: LastExit | undefined;
  busy: RowAction | undefined;
  /** Live CPU and memory while the task runs and the row is on screen. */
  stats?: RowStats;
  selected: boolean;
  /** Reconnecting: the row is shown greyed and acts on nothing. */
  frozen: boolean;
  /** The page lists every namespace: say which one the container is in. */
  showNamespace?: boolean;
  onToggle: (c: ContainerInfo) => void;
  onAction: (action: RowAction, c: ContainerInfo) => void;
}

const BUSY_LABEL: Record<RowAction, string> = {
  stop: 'Stopping…',
  kill: 'Killing…',
  delete: 'Deleting…',
};

/** The row's buttons, in order: action and accessible name. */
const ROW_ACTIONS: readonly (readonly [RowAction, string])[] = [
  ['stop', 'Stop'],
  ['kill', 'Kill'],
  ['delete', 'Delete'],
];

/** A readable name: Kubernetes labels for CRI containers, else the id. */
export function containerName(c: ContainerInfo): string {
  return c.labels['nerdctl/name'] ?? c.labels['io.kubernetes.container.name'] ?? shortId(c.id);
}

function ActionButton(props: {
  action: RowAction;
  label: string;
  /** The container's name: a screen reader hears "Stop web-1", not a row of bare "Stop"s. */
  target: string;
  enabled: boolean;
  busy: RowAction | undefined;
  /** Kill while a Stop waits out its grace: it escalates instead of waiting. */
  escalates?: boolean;
  onClick: () => void;
}) {
  const block = useWriteBlock();
  const mine = props.busy === props.action;
  const free = !props.busy || !!props.escalates;
  return (
    <button
      type="button"
      className={`iv-row-action${props.action === 'delete' ? ' iv-danger' : ''}`}
      // A busy button keeps focus and its name; it just ignores clicks until the action ends.
      disabled={!mine && (!props.enabled || !free || !!block)}
      title={block ? `${props.label}: ${block}` : undefined}
      aria-busy={mine || undefined}
      aria-label={`${props.label} ${props.target}`}
      onClick={() => {
        if (!mine && free) props.onClick();
      }}
    >
      {/* The spinner has a slot of its own, so a busy button is exactly as wide as an idle one. */}
      <span className="iv-spin-slot" aria-hidden="true">
        {mine && <span className="spinner" />}
      </span>
      {props.label}
      {mine && <span className="sr-only"> {BUSY_LABEL[props.action]}</span>}
    </button>
  );
}

export const ContainerCells = memo(function ContainerCells(p: ContainerRowProps) {
  const { c } = p;
  const { host } = useHostScope();
  const stopping = p.busy === 'stop' && c.task?.status !== 'stopped';
  const chip = stopping
    ? { kind: 'paused', icon: '↓', text: 'Stopping…' }
    : containerChip(c, p.lastExit);
  const age = containerAge(c, p.now, p.startedAt, p.lastExit);
  const can = containerActions(c);
  const name = containerName(c);
  const pid = c.task && c.task.status !== 'stopped' && c.task.pid ? String(c.task.pid) : '—';
  return (
    <>
      <td className="col-select">
        <input
          type="checkbox"
          aria-label={`Select ${name}`}
          checked={p.selected}
          onChange={() => p.onToggle(c)}
        />
      </td>
      <td className="col-status">
        <span className={`iv-chip iv-chip-${chip.kind}`} data-testid="status-chip">
          <span aria-hidden="true">{chip.icon}</span> {chip.text}
        </span>
      </td>
      <td className="col-name" title={c.id}>
        {p.showNamespace && <span className="muted iv-ns-prefix">{c.namespace}/</span>}
        <a
          className="iv-name"
          href={containerHash(c, host)}
          aria-label={`Open ${name}`}
          data-testid="container-link"
        >
          {name}
        </a>
        {name !== shortId(c.id) && <span className="muted iv-mono"> {shortId(c.id)}</span>}
      </td>
      <td className="col-image" title={c.image}>
        {c.image || <span className="muted">—</span>}
      </td>
      <td className="col-pid iv-mono">{pid}</td>
      <td className="col-cpu iv-mono" data-testid="row-cpu">
        {p.stats?.cpu != null ? formatCpu(p.stats.cpu) : <span className="muted">—</span>}
      </td>
      <td className="col-mem iv-mono" data-testid="row-mem">
        {p.stats ? formatBytes(p.stats.memory) : <span className="muted">—</span>}
      </td>
      <td className="col-age" title={age.title}>
        {age.text}
      </td>
      <td className="col-actions">
        <span className="iv-row-actions">
          {ROW_ACTIONS.map(([action, label]) => (
            <ActionButton
              key={action}
              action={action}
              label={label}
              target={name}
              enabled={can[action] && !p.frozen}
              busy={p.busy}
              escalates={action === 'kill' && stopping}
              onClick={() => p.onAction(action, c)}
            />
          ))}
        </span>
      </td>
    </>
  );
});
