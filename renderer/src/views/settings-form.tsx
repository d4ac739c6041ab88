// The Settings page: grouped fields in human units, validated in place, a sticky Save bar, the config preview.
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ContractError } from '../../../common/contract';
import type { FieldError } from '../../../common/settings';
import { settingRow } from '../../../common/settings-table';
import { useDispatcher, useStore } from '../store/context';
import { ConfigPreview } from '../components/config-preview';
import {
  changedKeys,
  diffSettings,
  normaliseField,
  toDraft,
  validateDraft,
  type Draft,
} from '../components/settings-draft';
import { SettingsField } from '../components/settings-field';
import { SettingsSaveBar } from '../components/settings-save-bar';
import { ALL_FIELDS, FORM_GROUPS } from '../components/settings-fields';
import './settings-form.css';

function toErrorMap(errors: FieldError[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of errors) {
    const f = normaliseField(e.field);
    map[f] = map[f] ? `${map[f]}; ${e.message}` : e.message;
  }
  return map;
}

/** The Save bar's word on a save: when the saved settings take effect (from the table). */
export function savedMessage(keys: string[]): string {
  const later = keys.filter((k) => settingRow(k)?.applies === 'next-start');
  if (!later.length) return 'Saved · applied now';
  if (later.length === keys.length) return 'Saved · applies at the next containerd start';
  const names = later.map((k) => settingRow(k)!.label).join(', ');
  return `Saved · ${names}: at the next containerd start; the rest applied now`;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function SettingsForm() {
  const dispatcher = useDispatcher();
  const view = useStore((s) => s.settings);
  const daemonState = useStore((s) => s.status?.state ?? null);
  const [draft, setDraft] = useState<Draft | null>(view ? toDraft(view.settings) : null);
  const [dirty, setDirty] = useState(false);
  // Errors show for fields the user has left (or all of them after Save), not mid-typing.
  const [visited, setVisited] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ContractError | null>(null);
  const [notice, setNotice] = useState('');
  const [restartHint, setRestartHint] = useState(false);
  const [saving, setSaving] = useState(false);
  const [configOpen, setConfigOpen] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  // Take changes made elsewhere (tray, CLI, another window) unless the user is mid-edit.
  useEffect(() => {
    if (view && !dirty) setDraft(toDraft(view.settings));
  }, [view, dirty]);

  const checked = useMemo(() => (draft ? validateDraft(draft) : null), [draft]);
  const localErrors = useMemo(
    () => (checked && !checked.ok ? toErrorMap(checked.errors) : {}),
    [checked],
  );
  const changes = useMemo(
    () => (view && checked?.ok ? changedKeys(diffSettings(view.settings, checked.value)) : []),
    [view, checked],
  );

  if (!view || !draft) return <p className="muted">Loading settings…</p>;

  const errorFor = (key: string): string | undefined =>
    serverErrors[key] ?? (showAll || visited.has(key) ? localErrors[key] : undefined);
  const shownErrors = ALL_FIELDS.filter((f) => errorFor(f.key));

  const onChange = (key: string, value: string | boolean) => {
    setDraft((d) => ({ ...(d ?? {}), [key]: value }));
    setDirty(true);
    setNotice('');
    setRestartHint(false);
    setServerErrors(({ [key]: _gone, ...rest }) => rest);
    // Choices take effect on change; typed fields are checked once the user moves on.
    const f = settingRow(key);
    if (f && (f.input === 'select' || f.input === 'bool')) setVisited((v) => new Set(v).add(key));
  };

  const focusField = (key: string) =>
    form.current?.querySelector<HTMLElement>(`[name="${key}"]`)?.focus();

  // Buttons, not #anchors: the window may use the URL's hash for its own navigation.
  const jumpTo = (id: string) => {
    const el = form.current?.querySelector<HTMLElement>(`#${id}`);
    el?.scrollIntoView?.({ block: 'start' });
    el?.querySelector<HTMLElement>('input, select, summary')?.focus();
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setNotice('');
    setRestartHint(false);
    if (!checked || !checked.ok) {
      setShowAll(true);
      const first = ALL_FIELDS.find((f) => localErrors[f.key]);
      if (first) focusField(first.key);
      return;
    }
    const patch = diffSettings(view.settings, checked.value);
    const keys = changedKeys(patch);
    if (keys.length === 0) {
      setDirty(false);
      setNotice('Nothing changed.');
      return;
    }
    setSaving(true);
    const r = await dispatcher.saveSettings(patch);
    setSaving(false);
    if (r.ok) {
      setDirty(false);
      setShowAll(false);
      setVisited(new Set());
      setServerErrors({});
      setDraft(toDraft(r.value.settings));
      setNotice(savedMessage(keys));
      setRestartHint(keys.some((k) => settingRow(k)?.applies === 'next-start'));
      return;
    }
    setFailure(r.error);
    if (r.error.fields?.length) {
      const map = toErrorMap(r.error.fields);
      setServerErrors(map);
      const first = ALL_FIELDS.find((f) => map[f.key]);
      if (first) focusField(first.key);
    }
  };

  const known = new Set(ALL_FIELDS.map((f) => f.key));
  const unmatched = Object.entries(serverErrors).filter(([f]) => !known.has(f));
  const running = daemonState === 'running' || daemonState === 'unhealthy';

  let status = notice;
  if (saving) status = 'Saving…';
  else if (!notice && shownErrors.length)
    status = `${plural(shownErrors.length, 'field')} to fix: ${shownErrors.map((f) => f.label).join(', ')}`;
  else if (!notice && dirty)
    status = changes.length ? `${plural(changes.length, 'unsaved change')}` : 'No changes yet';

  return (
    <form
      ref={form}
      className="panel settings"
      aria-labelledby="settings-heading"
      noValidate
      onSubmit={(e) => void onSubmit(e)}
    >
      <header className="settings-head">
        <h2 id="settings-heading">Settings</h2>
        <p className="muted">
          Stored in <span className="path">{view.file}</span>. Changes apply when you press Save;
          those marked <span className="field-tag">next start</span> at the next containerd start.
        </p>
        <nav className="settings-toc" aria-label="Settings sections">
          {FORM_GROUPS.map((g) => (
            <button
              key={g.id}
              type="button"
              className="link"
              onClick={() => jumpTo(`settings-${g.id}`)}
            >
              {g.title}
            </button>
          ))}
          <button
            type="button"
            className="link"
            onClick={() => {
              setConfigOpen(true);
              // After React has opened it, so the scroll lands on the opened section.
              setTimeout(() => jumpTo('settings-config'), 0);
            }}
          >
            Config preview
          </button>
        </nav>
      </header>
      {FORM_GROUPS.map((g) => (
        <fieldset key={g.id} id={`settings-${g.id}`}>
          <legend>{g.title}</legend>
          {g.fields.map((f) => (
            <SettingsField
              key={f.key}
              spec={f}
              value={draft[f.key] ?? ''}
              error={errorFor(f.key)}
              onChange={onChange}
              onBlur={(k) => setVisited((v) => (v.has(k) ? v : new Set(v).add(k)))}
              sessionOnly={view?.sessionOnly?.includes(f.key)}
            />
          ))}
        </fieldset>
      ))}
      <details
        id="settings-config"
        className="settings-config"
        open={configOpen}
        onToggle={(e) => setConfigOpen((e.target as HTMLDetailsElement).open)}
      >
        <summary>containerd config (preview of what the app writes)</summary>
        {configOpen && <ConfigPreview />}
      </details>
      <SettingsSaveBar
        status={status}
        needsFixing={shownErrors.length > 0 && !notice && !saving}
        failure={failure}
        unmatched={unmatched}
        saving={saving}
        dirty={dirty}
        offerRestart={restartHint && running}
        onRestart={() => {
          setRestartHint(false);
          void dispatcher.control('daemon:restart');
        }}
        onDefaults={() => {
          setDraft(toDraft(view.defaults));
          setDirty(true);
          setServerErrors({});
          setNotice('Defaults filled in; press Save to keep them.');
        }}
        onRevert={() => {
          setDraft(toDraft(view.settings));
          setDirty(false);
          setShowAll(false);
          setVisited(new Set());
          setServerErrors({});
          setFailure(null);
          setNotice('');
        }}
      />
    </form>
  );
}
