// "Run…" on an image row: docker run's main options as a form, validated in place by the same
// parsers the CLI uses (common/run-fields.ts); on submit the app runs it and the new container's
// page opens (on Logs to follow its output, on Summary when detached).
import { useId, useRef, useState, type ReactNode } from 'react';
import type { ContractError } from '../../../common/contract';
import type { ImageInfo } from '../../../common/containerd';
import {
  RESTART_POLICIES,
  runFormPayload,
  type RunFormField,
  type RunFormFields,
} from '../../../common/run-fields';
import { call } from '../store/inside-call';
import { useInsideStore } from '../store/inside-context';
import { containerHash } from '../store/pages';
import { useHostScope } from '../store/hosts-context';
import { LinkedText } from './linked-text';
import { useModal } from './modal';
import './run-image-dialog.css';
import { Options } from './options';

type Errors = Partial<Record<RunFormField, string>>;

/** What every field's control gets: its id, validity, help/error link, test id and blur. */
interface FieldProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby': string;
  'data-testid': string;
  onBlur: () => void;
}

/** Which field a refusal from the app is about (the name taken, a mount source missing…). */
function fieldOf(e: ContractError): RunFormField | null {
  const named = e.fields?.[0]?.field.split('.')[0];
  const byPayload: Record<string, RunFormField> = {
    name: 'name',
    args: 'command',
    env: 'env',
    ports: 'ports',
    mounts: 'volumes',
    net: 'network',
    restart: 'restart',
  };
  if (named && byPayload[named]) return byPayload[named];
  if (/\bname\b.*already in use/.test(e.message)) return 'name';
  if (/mount source|two mounts/.test(e.message)) return 'volumes';
  if (/\bport\b/i.test(e.message)) return 'ports';
  if (/^cannot start /.test(e.message)) return 'command';
  if (/\bbridge\b|\bCNI\b/.test(e.message)) return 'network';
  return null;
}

export function RunImageDialog(props: { image: ImageInfo; onClose: () => void }) {
  const store = useInsideStore();
  const { host } = useHostScope();
  const uid = useId();
  const first = useRef<HTMLInputElement>(null);
  const [f, setF] = useState<RunFormFields>({
    namespace: props.image.namespace,
    image: props.image.name,
    name: '',
    command: '',
    env: '',
    ports: '',
    volumes: '',
    network: '',
    restart: 'no',
    rm: false,
  });
  const [retries, setRetries] = useState('');
  const [detached, setDetached] = useState(false);
  // Errors show for a field once it was left (or on submit), then follow every keystroke.
  const [touched, setTouched] = useState<ReadonlySet<RunFormField>>(new Set());
  const [appError, setAppError] = useState<{ field: RunFormField | null; e: ContractError } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  const modal = useModal({ onClose: props.onClose, titleId: `${uid}-title`, first });

  const restart =
    f.restart === 'on-failure' && retries.trim() ? `on-failure:${retries.trim()}` : f.restart;
  const checked = runFormPayload({ ...f, restart });
  const local: Errors = checked.ok ? {} : checked.errors;
  const errorOf = (k: RunFormField): string | undefined =>
    (touched.has(k) ? local[k] : undefined) ??
    (appError?.field === k ? appError.e.message : undefined);

  const set = <K extends keyof RunFormFields>(k: K, v: RunFormFields[K]) => {
    setF((prev) => ({ ...prev, [k]: v }));
    if (appError) setAppError(null);
  };
  const touch = (k: RunFormField) =>
    setTouched((prev) => (prev.has(k) ? prev : new Set(prev).add(k)));

  const submit = async () => {
    if (busy) return;
    if (!checked.ok) {
      setTouched(new Set(Object.keys(checked.errors) as RunFormField[]));
      const k = Object.keys(checked.errors)[0];
      document.getElementById(`${uid}-${k}`)?.focus();
      return;
    }
    setBusy(true);
    setAppError(null);
    const r = await call(store.client, 'container:run', checked.payload);
    setBusy(false);
    if (!r.ok) {
      const field = fieldOf(r.error);
      setAppError({ field, e: r.error });
      if (field) document.getElementById(`${uid}-${field}`)?.focus();
      return;
    }
    void store.reload('containers');
    props.onClose();
    window.location.hash = containerHash(
      { namespace: r.value.namespace, id: r.value.id, tab: detached ? 'summary' : 'logs' },
      host,
    );
  };

  const field = (
    k: RunFormField,
    label: string,
    input: (common: FieldProps) => ReactNode,
    help: ReactNode,
  ) => {
    const id = `${uid}-${k}`;
    const err = errorOf(k);
    return (
      <div className={`rf-field${err ? ' invalid' : ''}`}>
        <label htmlFor={id}>{label}</label>
        {input({
          id,
          'aria-invalid': err ? true : undefined,
          'aria-describedby': `${id}-help${err ? ` ${id}-error` : ''}`,
          'data-testid': `run-${k}`,
          onBlur: () => touch(k),
        })}
        {err ? (
          <p className="rf-error" id={`${id}-error`} role="alert" data-testid={`run-${k}-error`}>
            <span aria-hidden="true">⚠ </span>
            {err}
          </p>
        ) : (
          <p className="rf-help muted" id={`${id}-help`}>
            {help}
          </p>
        )}
      </div>
    );
  };

  /** A one-line text field (`first` takes the focus when the form opens). */
  const text =
    (k: 'name' | 'command', placeholder: string, ref?: typeof first) => (c: FieldProps) => (
      <input
        {...c}
        ref={ref}
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder={placeholder}
        value={f[k]}
        onChange={(e) => set(k, e.target.value)}
      />
    );
  /** A field of one entry a line. */
  const lines = (k: 'env' | 'ports' | 'volumes', placeholder: string) => (c: FieldProps) => (
    <textarea
      {...c}
      rows={2}
      spellCheck={false}
      placeholder={placeholder}
      value={f[k]}
      onChange={(e) => set(k, e.target.value)}
    />
  );

  return (
    <div {...modal.backdrop}>
      <form
        className="iv-modal rf-modal"
        {...modal.dialog}
        data-testid="run-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3 id={`${uid}-title`}>
          Run <span className="iv-mono">{props.image.name}</span>
        </h3>
        <p className="muted rf-where">
          in namespace <strong>{props.image.namespace}</strong>
        </p>
        <div className="rf-grid">
          {field(
            'name',
            'Name',
            text('name', 'generated when empty', first),
            'letters, digits, . _ -',
          )}
          {field(
            'command',
            'Command',
            text('command', "the image's own when empty"),
            <>
              replaces the image’s Cmd; words split as a shell would (quotes kept), nothing expanded
            </>,
          )}
          {field('env', 'Environment', lines('env', 'KEY=VALUE'), 'one KEY=VALUE a line')}
          {field(
            'ports',
            'Ports',
            lines('ports', '127.0.0.1:8080:80'),
            <>
              [IP:]HOST:CONTAINER[/udp], one a line, as <span className="iv-mono">-p</span> takes
              them (bridge network)
            </>,
          )}
          {field(
            'volumes',
            'Volumes',
            lines('volumes', '/host/path:/container/path:ro'),
            <>
              /host:/container[:ro], one a line, as <span className="iv-mono">-v</span> takes them
            </>,
          )}
          {field(
            'network',
            'Network',
            (c) => (
              <select {...c} value={f.network} onChange={(e) => set('network', e.target.value)}>
                <option value="">automatic</option>
                <option value="bridge">bridge</option>
                <option value="host">host</option>
                <option value="none">none</option>
              </select>
            ),
            'automatic: the bridge where the CNI plugins are installed, else the host’s',
          )}
          {field(
            'restart',
            'Restart',
            (c) => (
              <span className="rf-inline">
                <select {...c} value={f.restart} onChange={(e) => set('restart', e.target.value)}>
                  <Options values={RESTART_POLICIES} />
                </select>
                {f.restart === 'on-failure' && (
                  <input
                    type="text"
                    inputMode="numeric"
                    className="rf-retries"
                    aria-label="Most retries (empty: no limit)"
                    data-testid="run-retries"
                    placeholder="max retries"
                    value={retries}
                    onChange={(e) => {
                      setRetries(e.target.value);
                      touch('restart');
                    }}
                  />
                )}
              </span>
            ),
            'containerd’s restart monitor starts it again when it ends',
          )}
          <div className="rf-checks">
            <label>
              <input
                type="checkbox"
                data-testid="run-rm"
                checked={f.rm}
                onChange={(e) => {
                  set('rm', e.target.checked);
                  touch('restart');
                }}
              />{' '}
              Remove when it exits (--rm)
            </label>
            <label>
              <input
                type="checkbox"
                data-testid="run-detached"
                checked={detached}
                onChange={(e) => setDetached(e.target.checked)}
              />{' '}
              Detached: open its Summary, not its Logs
            </label>
          </div>
        </div>
        {appError && !appError.field && (
          <p className="rf-error rf-form-error" role="alert" data-testid="run-error">
            <span aria-hidden="true">⚠ </span>
            <strong>Can’t run:</strong> <LinkedText text={appError.e.message} />{' '}
            <span className="muted">
              — <LinkedText text={appError.e.hint} />
            </span>
          </p>
        )}
        {appError?.field && (
          <p className="rf-help muted rf-form-hint" data-testid="run-hint">
            <LinkedText text={appError.e.hint} />
          </p>
        )}
        <div className="button-row iv-modal-buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-busy={busy || undefined}>
            {busy ? (
              <>
                <span className="spinner" aria-hidden="true" /> Starting…
              </>
            ) : (
              'Run'
            )}
          </button>
        </div>
      </form>
    </div>
  );
}
