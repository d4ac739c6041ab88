// The Plugins page: the engine's problems on top (hint, one fix, copyable command), then every plugin's status.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ContractError } from '../../../common/contract';
import type { PluginInfo, PluginStatus, Problem } from '../../../common/containerd';
import { formatContainerdVersion } from '../../../common/containerd';
import { expectedPluginNoise } from '../../../common/plugin-noise';
import { useInside, useInsideStore } from '../store/inside-context';
import { useWriteBlock } from '../store/hosts-context';
import { isConnected, isDaemonDown } from '../store/inside-state';
import { CopyCommand } from '../components/copy-command';
import { ErrorLine, ListPending, Reconnecting } from '../components/view-states';
import { VirtualTable, type Column } from '../components/virtual-table';
import { PageFrame } from '../components/page-frame';
import { Segmented, type Segment } from '../components/segmented';

type Filter = 'all' | PluginStatus;

const COLUMNS: readonly Column[] = [
  { key: 'status', label: 'Status', width: '110px' },
  { key: 'type', label: 'Type', width: '30%' },
  { key: 'id', label: 'ID', width: '18%' },
  { key: 'error', label: 'Init error' },
];

const CHIP: Record<PluginStatus, { icon: string; text: string }> = {
  ok: { icon: '✓', text: 'ok' },
  skip: { icon: '–', text: 'skip' },
  error: { icon: '✕', text: 'error' },
};
const RANK: Record<PluginStatus, number> = { error: 0, skip: 1, ok: 2 };

/** The status a person should read: an error that every stock containerd shows counts as skipped. */
function shownStatus(p: PluginInfo): PluginStatus {
  return p.status === 'error' && expectedPluginNoise(p) ? 'skip' : p.status;
}

/** `cdesk settings set KEY VALUE` lines for a settings patch (nested groups become dotted keys). */
export function settingsCommands(patch: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(patch).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v))
      return settingsCommands(v as Record<string, unknown>, key);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return [`cdesk settings set ${key} ${/^[\w.,:/-]+$/.test(text) ? text : `'${text}'`}`];
  });
}

function ProblemItem(props: { problem: Problem; frozen: boolean }) {
  const store = useInsideStore();
  const block = useWriteBlock();
  const { problem } = props;
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'error'; error: ContractError }
  >({ kind: 'idle' });
  const [restart, setRestart] = useState<ContractError | 'busy' | 'done' | null>(null);
  const fix = problem.fix;
  const apply = async () => {
    if (state.kind === 'busy') return;
    setState({ kind: 'busy' });
    const r = await store.actions.applyFix(problem);
    setState(r.ok ? { kind: 'done' } : { kind: 'error', error: r.error });
  };
  const doRestart = async () => {
    setRestart('busy');
    const r = await store.actions.restartDaemon();
    setRestart(r.ok ? 'done' : r.error);
  };
  return (
    <li className={`iv-problem iv-problem-${problem.severity}`} data-testid="problem">
      <p>
        <span className={`iv-chip iv-chip-${problem.severity === 'error' ? 'error' : 'skip'}`}>
          <span aria-hidden="true">{problem.severity === 'error' ? '✕' : '!'}</span>{' '}
          {problem.severity === 'error' ? 'Error' : 'Warning'}
        </span>{' '}
        <strong>{problem.message}</strong>
      </p>
      <p className="muted">{problem.hint}</p>
      {fix && (
        <div className="button-row">
          <button
            type="button"
            onClick={() => void apply()}
            aria-busy={state.kind === 'busy' || undefined}
            disabled={(props.frozen || !!block) && state.kind !== 'busy'}
            title={block ? `${fix.label}: ${block}` : undefined}
          >
            {state.kind === 'busy' ? `${fix.label}…` : fix.label}
          </button>
          {settingsCommands(fix.settingsPatch).map((cmd) => (
            <CopyCommand key={cmd} command={cmd} />
          ))}
        </div>
      )}
      {state.kind === 'done' && (
        <p role="status">
          Saved. It takes effect when containerd restarts ·{' '}
          <button
            type="button"
            onClick={() => void doRestart()}
            aria-busy={restart === 'busy' || undefined}
          >
            {restart === 'busy' ? 'Restarting…' : 'Restart containerd'}
          </button>
          {restart === 'done' && <span className="muted"> restarted</span>}
        </p>
      )}
      {restart && typeof restart === 'object' && <ErrorLine error={restart} />}
      {state.kind === 'error' && <ErrorLine error={state.error} />}
    </li>
  );
}

export function PluginsView(props: { viewportHeight?: number }) {
  const store = useInsideStore();
  const plugins = useInside((s) => s.plugins);
  const problems = useInside((s) => s.problems);
  const connected = useInside(isConnected);
  const down = useInside(isDaemonDown);
  const [filter, setFilter] = useState<Filter>('all');
  useEffect(() => store.want('plugins'), [store]);

  const value = plugins.value;
  const all = useMemo(
    () =>
      [...(value?.plugins ?? [])].sort(
        (a, b) =>
          RANK[shownStatus(a)] - RANK[shownStatus(b)] ||
          a.type.localeCompare(b.type) ||
          a.id.localeCompare(b.id),
      ),
    [value],
  );
  const shown = useMemo(
    () => (filter === 'all' ? all : all.filter((p) => shownStatus(p) === filter)),
    [all, filter],
  );
  const count = (s: PluginStatus) => all.filter((p) => shownStatus(p) === s).length;

  let body: ReactNode;
  if (down || !value) body = <ListPending part="plugins" />;
  else if (shown.length === 0)
    body = (
      <div className="iv-empty-state" data-testid="plugins-no-match">
        <p>
          {all.length ? `No plugins with status ${filter} · ` : 'containerd reported no plugins.'}
          {all.length > 0 && (
            <button type="button" className="link" onClick={() => setFilter('all')}>
              Clear filter
            </button>
          )}
        </p>
      </div>
    );
  else
    body = (
      <VirtualTable
        label="containerd plugins"
        testId="plugins-table"
        columns={COLUMNS}
        items={shown}
        itemKey={(p: PluginInfo) => `${p.type}/${p.id}`}
        stale={!connected}
        viewportHeight={props.viewportHeight}
        cells={(p) => (
          <>
            <td>
              {p.status === 'error' && expectedPluginNoise(p) ? (
                <span
                  className="iv-chip iv-chip-created"
                  data-testid="plugin-status"
                  title={expectedPluginNoise(p)!}
                >
                  <span aria-hidden="true">–</span> expected
                </span>
              ) : (
                <span className={`iv-chip iv-chip-${p.status}`} data-testid="plugin-status">
                  <span aria-hidden="true">{CHIP[p.status].icon}</span> {CHIP[p.status].text}
                </span>
              )}
            </td>
            <td className="iv-mono" title={p.type}>
              {p.type}
            </td>
            <td className="iv-mono" title={p.id}>
              {p.id}
            </td>
            <td
              className={`iv-init-error${expectedPluginNoise(p) ? ' muted' : ''}`}
              title={p.initError ?? ''}
            >
              {p.initError ?? ''}
            </td>
          </>
        )}
      />
    );

  const counted = (n: number) => (value ? n : '');
  const filters: Segment<Filter>[] = [
    ['all', 'All', counted(all.length)],
    ['ok', 'OK', counted(count('ok'))],
    ['skip', 'Skipped', counted(count('skip'))],
    ['error', 'Error', counted(count('error'))],
  ];

  return (
    <PageFrame
      id="plugins"
      title="Plugins"
      tools={
        <>
          {value?.version && (
            <span className="muted">containerd {formatContainerdVersion(value.version)}</span>
          )}
          <Segmented
            label="Show plugins"
            segments={filters}
            value={filter}
            onChange={setFilter}
            testIdPrefix="plugin-filter-"
          />
        </>
      }
    >
      <Reconnecting />
      {problems.length > 0 && (
        <section aria-label="Problems">
          <ul className="problem-list" data-testid="problems">
            {problems.map((p) => (
              <ProblemItem key={p.id} problem={p} frozen={!connected} />
            ))}
          </ul>
        </section>
      )}
      {body}
    </PageFrame>
  );
}
