// One container's page (#/containers/NS/ID/TAB): header with its status and actions, then the
// Summary, Logs, Inspect, Terminal and Stats tabs; the tab lives in the URL.
import { useEffect, useState, type ReactNode } from 'react';
import type { ContainerCommandResults } from '../../../common/container-commands';
import type { ContractError } from '../../../common/contract';
import type { ContainerInfo } from '../../../common/containerd';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ContainerLogs } from '../components/container-logs';
import { ContainerStats } from '../components/container-stats';
import { CopyButton } from '../components/copy-button';
import { ExecTerminal } from '../components/exec-terminal';
import { formatDuration } from '../components/format';
import { useNow } from '../components/hooks';
import { containerActions, containerChip } from '../components/inside-format';
import { ErrorLine } from '../components/view-states';
import { call } from '../store/inside-call';
import { useHostHash, useHostScope, useWriteBlock } from '../store/hosts-context';
import { useInside, useInsideStore } from '../store/inside-context';
import { isConnected, rowKey } from '../store/inside-state';
import {
  CONTAINER_TABS,
  containerHash,
  type ContainerRoute,
  type ContainerTab,
} from '../store/pages';

type Inspect = ContainerCommandResults['container:inspect'];

/** The page's two actions that ask first; their dialog differs only in these words and its text. */
type Confirmed = 'kill' | 'delete';
const CONFIRM_VERB: Record<Confirmed, string> = { kill: 'Kill', delete: 'Delete' };

const TAB_LABEL: Record<ContainerTab, string> = {
  summary: 'Summary',
  logs: 'Logs',
  inspect: 'Inspect',
  terminal: 'Terminal',
  stats: 'Stats',
};

interface Spec {
  process?: { args?: string[]; cwd?: string; env?: string[]; terminal?: boolean };
  mounts?: { destination: string; source?: string; type?: string; options?: string[] }[];
}

function go(route: ContainerRoute, tab: ContainerTab, host: string) {
  window.location.hash = containerHash({ ...route, tab }, host);
}

function Field(props: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="cp-field">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.children}</dd>
    </div>
  );
}

function Summary(props: { c: ContainerInfo | null; inspect: Inspect | null; now: number }) {
  const { c, inspect } = props;
  const spec = (inspect?.spec ?? null) as Spec | null;
  const labels = inspect?.labels ?? c?.labels ?? {};
  const policy = labels['containerd.io/restart.policy'];
  const task = c?.task ?? inspect?.task ?? null;
  const created = c?.createdAt ?? inspect?.createdAt ?? null;
  const mounts = (spec?.mounts ?? []).filter((m) => m.type === 'bind' || m.source?.startsWith('/'));
  const labelList = Object.entries(labels);
  return (
    <dl className="cp-summary" data-testid="container-summary">
      <Field label="Image" testId="summary-image">
        <span className="iv-mono">{c?.image || inspect?.image || '—'}</span>
      </Field>
      <Field label="Command" testId="summary-command">
        <span className="iv-mono">{spec?.process?.args?.join(' ') ?? '—'}</span>
      </Field>
      <Field label="Status">{task ? task.status : 'no task (created, never started)'}</Field>
      <Field label="PID">{task && task.status !== 'stopped' && task.pid ? task.pid : '—'}</Field>
      <Field label="Exit code">{task?.exitStatus ?? '—'}</Field>
      <Field label="Created">
        {created ? (
          <>
            {new Date(created).toLocaleString()}{' '}
            <span className="muted">({formatDuration(props.now - created)} ago)</span>
          </>
        ) : (
          '—'
        )}
      </Field>
      {task?.startedAt && task.status === 'running' && (
        <Field label="Up">{formatDuration(props.now - task.startedAt)}</Field>
      )}
      <Field label="Restart policy">{policy ?? 'no'}</Field>
      <Field label="Working dir">
        <span className="iv-mono">{spec?.process?.cwd ?? '—'}</span>
      </Field>
      <Field label="Mounts">
        {mounts.length ? (
          <ul className="cp-list">
            {mounts.map((m) => (
              <li key={m.destination} className="iv-mono">
                {m.source} → {m.destination}
                {m.options?.includes('ro') ? ' (read-only)' : ''}
              </li>
            ))}
          </ul>
        ) : (
          'none'
        )}
      </Field>
      <Field label="Runtime">{c?.runtime ?? inspect?.runtime.name ?? '—'}</Field>
      <Field label="Labels">
        {labelList.length ? (
          <details>
            <summary>{labelList.length} labels</summary>
            <ul className="cp-list">
              {labelList.map(([k, v]) => (
                <li key={k} className="iv-mono">
                  {k}={v}
                </li>
              ))}
            </ul>
          </details>
        ) : (
          'none'
        )}
      </Field>
    </dl>
  );
}

function InspectTab(props: { inspect: Inspect | null; error: ContractError | null }) {
  if (props.error) return <ErrorLine error={props.error} />;
  if (!props.inspect) return <p className="muted cp-empty">Loading…</p>;
  const text = JSON.stringify(props.inspect, null, 2);
  return (
    <div className="cp-inspect">
      <div className="cp-toolbar">
        <CopyButton text={text} label="Copy JSON" testId="inspect-copy" />
      </div>
      <pre className="cp-json" data-testid="inspect-json" tabIndex={0}>
        {text}
      </pre>
    </div>
  );
}

export function ContainerPage(props: { route: ContainerRoute }) {
  const { route } = props;
  const store = useInsideStore();
  const key = rowKey(route.namespace, route.id);
  const listed = useInside((s) =>
    s.containers.namespace === route.namespace
      ? (s.containers.value?.find((c) => c.id === route.id) ?? null)
      : null,
  );
  const busy = useInside((s) => s.busy.get(key));
  const rowError = useInside((s) => s.rowErrors.get(key));
  const lastExit = useInside((s) => s.lastExit.get(key));
  const connected = useInside(isConnected);
  const { host } = useHostScope();
  const listHash = useHostHash('#/containers');
  // A read-only host: every action stays visible, disabled, with the reason on hover and under the header.
  const block = useWriteBlock();
  const [inspect, setInspect] = useState<Inspect | null>(null);
  const [inspectError, setInspectError] = useState<ContractError | null>(null);
  const [startError, setStartError] = useState<ContractError | null>(null);
  const [starting, setStarting] = useState(false);
  const [confirm, setConfirm] = useState<Confirmed | null>(null);
  // Tabs mount on first visit and stay (the terminal keeps its shell, the log its lines).
  const [visited, setVisited] = useState<ReadonlySet<ContainerTab>>(() => new Set([route.tab]));
  const now = useNow(1000);
  useEffect(() => store.want('containers'), [store]);
  useEffect(() => {
    setVisited((v) => (v.has(route.tab) ? v : new Set([...v, route.tab])));
  }, [route.tab]);

  const status = listed?.task?.status ?? inspect?.task?.status ?? null;
  const exit = listed?.task?.exitStatus ?? null;
  useEffect(() => {
    let stale = false;
    void call(store.client, 'container:inspect', { namespace: route.namespace, id: route.id }).then(
      (r) => {
        if (stale) return;
        if (r.ok) {
          setInspect(r.value);
          setInspectError(null);
        } else setInspectError(r.error);
      },
    );
    return () => {
      stale = true;
    };
  }, [store, route.namespace, route.id, status, exit]);

  const c: ContainerInfo | null =
    listed ??
    (inspect
      ? {
          namespace: inspect.namespace,
          id: inspect.id,
          image: inspect.image,
          runtime: inspect.runtime.name,
          labels: inspect.labels,
          snapshotter: inspect.snapshotter,
          snapshotKey: inspect.snapshotKey,
          createdAt: inspect.createdAt ?? 0,
          updatedAt: inspect.updatedAt ?? 0,
          task: inspect.task,
        }
      : null);
  const gone = inspectError?.code === 'not-found' && !listed;
  const chip = c ? containerChip(c, lastExit) : null;
  const can = c ? containerActions(c) : { stop: false, kill: false, delete: false };
  const running = c?.task?.status === 'running';
  const canStart = !!c && (!c.task || c.task.status === 'stopped');
  const frozen = !connected || !!block;
  const why = block ?? undefined;

  const start = async () => {
    setStarting(true);
    setStartError(null);
    const r = await call(store.client, 'container:start', {
      namespace: route.namespace,
      id: route.id,
    });
    setStarting(false);
    if (!r.ok) setStartError(r.error);
    else void store.reload('containers');
  };
  const confirmed = async (what: Confirmed) => {
    setConfirm(null);
    if (what === 'kill') return void store.actions.kill(route.namespace, route.id);
    const r = await store.actions.deleteContainer(route.namespace, route.id);
    if (r.ok) window.location.hash = listHash;
  };

  const error = startError
    ? { action: 'Start', error: startError }
    : rowError
      ? { action: rowError.action, error: rowError.error }
      : null;

  return (
    <section
      className="iv-inside-view cp-page"
      data-testid="container-page"
      aria-labelledby="cp-heading"
    >
      <header className="iv-view-header cp-header">
        <a className="link cp-back" href={listHash}>
          ← Containers
        </a>
        <h2 id="cp-heading" className="iv-mono" title={route.id}>
          {route.id}
        </h2>
        {chip && (
          <span className={`iv-chip iv-chip-${chip.kind}`} data-testid="status-chip">
            <span aria-hidden="true">{chip.icon}</span> {chip.text}
          </span>
        )}
        <span className="muted cp-ns">{route.namespace}</span>
        <span className="cp-actions">
          {canStart && (
            <button
              type="button"
              onClick={() => void start()}
              disabled={frozen}
              title={why}
              aria-busy={starting || undefined}
            >
              {starting ? 'Starting…' : 'Start'}
            </button>
          )}
          <button
            type="button"
            disabled={!can.stop || frozen}
            title={why}
            aria-busy={busy === 'stop' || undefined}
            onClick={() => void store.actions.stop(route.namespace, route.id)}
          >
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
          <button
            type="button"
            disabled={!can.kill || frozen}
            title={why}
            onClick={() => setConfirm('kill')}
          >
            Kill
          </button>
          <button
            type="button"
            className="iv-danger"
            disabled={!can.delete || frozen}
            title={why}
            onClick={() => setConfirm('delete')}
          >
            Delete
          </button>
        </span>
      </header>
      {error && (
        <div className="iv-row-error" role="alert">
          <strong>
            {error.action} {route.id} failed:
          </strong>{' '}
          {error.error.message} <span className="muted">{error.error.hint}</span>
        </div>
      )}
      {gone ? (
        <div className="iv-empty-state" data-testid="container-gone">
          <p>
            <strong>
              No container {route.id} in {route.namespace}.
            </strong>{' '}
            It may have been deleted. <a href={listHash}>Back to Containers</a>
          </p>
        </div>
      ) : (
        <>
          <div className="cp-tabs" role="tablist" aria-label="Container">
            {CONTAINER_TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`cp-tab-${t}`}
                aria-selected={route.tab === t}
                aria-controls={`cp-panel-${t}`}
                data-testid={`cp-tab-${t}`}
                onClick={() => go(route, t, host)}
              >
                {TAB_LABEL[t]}
              </button>
            ))}
          </div>
          {CONTAINER_TABS.map((t) => (
            <div
              key={t}
              role="tabpanel"
              id={`cp-panel-${t}`}
              aria-labelledby={`cp-tab-${t}`}
              className="cp-panel"
              hidden={route.tab !== t}
            >
              {visited.has(t) &&
                (t === 'summary' ? (
                  <Summary c={c} inspect={inspect} now={now} />
                ) : t === 'logs' ? (
                  <ContainerLogs
                    namespace={route.namespace}
                    id={route.id}
                    active={route.tab === t}
                  />
                ) : t === 'inspect' ? (
                  <InspectTab inspect={inspect} error={inspectError} />
                ) : t === 'terminal' ? (
                  <ExecTerminal
                    namespace={route.namespace}
                    id={route.id}
                    running={running}
                    active={route.tab === t}
                  />
                ) : (
                  <ContainerStats
                    namespace={route.namespace}
                    id={route.id}
                    running={running}
                    active={route.tab === t}
                  />
                ))}
            </div>
          ))}
        </>
      )}
      {confirm && (
        <ConfirmDialog
          title={`${CONFIRM_VERB[confirm]} container ${route.id}?`}
          confirmLabel={`${CONFIRM_VERB[confirm]} container`}
          onCancel={() => setConfirm(null)}
          onConfirm={() => void confirmed(confirm)}
        >
          {confirm === 'kill' ? (
            <p>
              This sends SIGKILL to the task of <span className="iv-mono">{route.id}</span>: it ends
              at once, with no chance to finish its work or clean up.
            </p>
          ) : (
            <p>
              In namespace <strong>{route.namespace}</strong>, this removes the container{' '}
              <span className="iv-mono">{route.id}</span>, its stopped task and snapshot.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
