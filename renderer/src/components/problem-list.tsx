// Problems that matter (plugin errors, failed checks, crash loops): one sentence, a hint, one fix, mute.
import { useState } from 'react';
import type { Problem } from '../../../common/containerd';
import { useDispatcher, useStore } from '../store/context';
import { LinkedText } from './linked-text';

const MUTE_KEY = 'cdesk.mutedProblems';

function loadMuted(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(MUTE_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function ProblemItem(props: { p: Problem; onMute: () => void }) {
  const dispatcher = useDispatcher();
  const [result, setResult] = useState<{ busy: boolean; text: string }>({ busy: false, text: '' });
  const { p } = props;
  const fix = p.fix;
  return (
    <li className={`problem problem-${p.severity}`} data-testid={`problem-${p.id}`}>
      <span className="problem-icon" aria-label={p.severity}>
        {p.severity === 'error' ? '✕' : '⚠'}
      </span>
      <div className="problem-body">
        <div className="problem-message">{p.message}</div>
        <div className="muted">
          <LinkedText text={p.hint} />
        </div>
        {result.text && (
          <div className="muted" role="status">
            {result.text}
          </div>
        )}
      </div>
      <div className="problem-actions">
        {fix && (
          <button
            type="button"
            aria-busy={result.busy}
            onClick={() => {
              if (result.busy) return;
              setResult({ busy: true, text: '' });
              void dispatcher.saveSettings(fix.settingsPatch).then((r) =>
                setResult({
                  busy: false,
                  text: r.ok
                    ? 'Saved; it applies on the next containerd restart.'
                    : `${r.error.message} — ${r.error.hint}`,
                }),
              );
            }}
          >
            {result.busy ? 'Applying…' : fix.label}
          </button>
        )}
        <button type="button" className="link" onClick={props.onMute}>
          Mute
        </button>
      </div>
    </li>
  );
}

export function ProblemList() {
  const problems = useStore((s) => s.status?.problems);
  const [muted, setMuted] = useState<string[]>(loadMuted);
  if (!problems?.length) return null;
  const shown = problems.filter((p) => !muted.includes(p.id));
  const mute = (ids: string[]) => {
    setMuted(ids);
    try {
      localStorage.setItem(MUTE_KEY, JSON.stringify(ids));
    } catch {
      // Private mode: muting lasts for this page only.
    }
  };
  return (
    <section className="card" aria-labelledby="problems-heading">
      <h2 id="problems-heading">
        Problems <span className="muted">({problems.length})</span>
      </h2>
      <ul className="problem-list" data-testid="problem-list">
        {shown.map((p) => (
          <ProblemItem key={p.id} p={p} onMute={() => mute([...muted, p.id])} />
        ))}
      </ul>
      {shown.length < problems.length && (
        <button type="button" className="link" onClick={() => mute([])}>
          Show {problems.length - shown.length} muted
        </button>
      )}
    </section>
  );
}
