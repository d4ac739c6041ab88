// The settings form: edits a draft, validates with parseSettings, saves the changes on Save only.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ContractError } from '../../../common/contract';
import { parseSettings, type FieldError } from '../../../common/settings';
import { useDispatcher, useStore } from '../store/context';
import { diffSettings, fromDraft, normaliseField, toDraft, type Draft } from './settings-draft';
import { SettingsField } from './settings-field';
import { ALL_FIELDS, SETTINGS_GROUPS } from './settings-fields';

const KNOWN = new Set(ALL_FIELDS.map((f) => f.name));

function toErrorMap(errors: FieldError[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of errors) {
    const f = normaliseField(e.field);
    map[f] = map[f] ? `${map[f]}; ${e.message}` : e.message;
  }
  return map;
}

export function SettingsForm() {
  const dispatcher = useDispatcher();
  const view = useStore((s) => s.settings);
  const [draft, setDraft] = useState<Draft | null>(view ? toDraft(view.settings) : null);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ContractError | null>(null);
  const [notice, setNotice] = useState('');
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  // Take changes made elsewhere (tray, CLI, another window) unless the user is mid-edit.
  useEffect(() => {
    if (view && !dirty) setDraft(toDraft(view.settings));
  }, [view, dirty]);

  if (!view || !draft) return <p className="muted">Loading settings…</p>;

  const onChange = (name: string, value: string | boolean) => {
    setDraft((d) => ({ ...(d ?? {}), [name]: value }));
    setDirty(true);
    setNotice('');
  };

  const showErrors = (list: FieldError[]) => {
    const map = toErrorMap(list);
    setErrors(map);
    const first = ALL_FIELDS.find((f) => map[f.name]);
    if (first) form.current?.querySelector<HTMLElement>(`[name="${first.name}"]`)?.focus();
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setNotice('');
    const { candidate, errors: inputErrors } = fromDraft(draft);
    const parsed = parseSettings(candidate);
    const problems = [...inputErrors];
    if (!parsed.ok) {
      const seen = new Set(problems.map((p) => p.field));
      problems.push(...parsed.errors.filter((p) => !seen.has(p.field)));
    }
    if (problems.length || !parsed.ok) {
      showErrors(problems);
      return;
    }
    setErrors({});
    const patch = diffSettings(view.settings, parsed.value);
    if (Object.keys(patch).length === 0) {
      setDirty(false);
      setNotice('Nothing changed.');
      return;
    }
    setSaving(true);
    const r = await dispatcher.saveSettings(patch);
    setSaving(false);
    if (r.ok) {
      setDirty(false);
      setDraft(toDraft(r.value.settings));
      setNotice('Saved.');
      return;
    }
    setFailure(r.error);
    if (r.error.fields?.length) showErrors(r.error.fields);
  };

  const unmatched = Object.entries(errors).filter(([f]) => !KNOWN.has(f));

  return (
    <form
      ref={form}
      className="panel settings"
      aria-labelledby="settings-heading"
      noValidate
      onSubmit={(e) => void onSubmit(e)}
    >
      <h2 id="settings-heading">Settings</h2>
      <p className="muted">
        Stored in <span className="path">{view.file}</span>. Changes apply when you press Save.
      </p>
      {SETTINGS_GROUPS.map((g) => (
        <fieldset key={g.title}>
          <legend>{g.title}</legend>
          {g.fields.map((f) => (
            <SettingsField
              key={f.name}
              spec={f}
              value={draft[f.name] ?? ''}
              error={errors[f.name]}
              onChange={onChange}
            />
          ))}
        </fieldset>
      ))}
      {(failure || unmatched.length > 0) && (
        <div className="command-error" role="alert" data-testid="settings-error">
          {failure && <strong>{failure.message}</strong>}
          {failure && <span>{failure.hint}</span>}
          {unmatched.map(([f, m]) => (
            <span key={f}>
              {f}: {m}
            </span>
          ))}
        </div>
      )}
      <div className="button-row">
        <button type="submit" data-testid="settings-save" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          data-testid="settings-revert"
          disabled={saving || !dirty}
          onClick={() => {
            setDraft(toDraft(view.settings));
            setDirty(false);
            setErrors({});
            setFailure(null);
          }}
        >
          Revert
        </button>
        <button
          type="button"
          data-testid="settings-defaults"
          disabled={saving}
          onClick={() => {
            setDraft(toDraft(view.defaults));
            setDirty(true);
            setErrors({});
            setNotice('Defaults filled in; press Save to keep them.');
          }}
        >
          Fill in defaults
        </button>
        <span role="status" data-testid="settings-notice">
          {notice}
        </span>
      </div>
    </form>
  );
}
