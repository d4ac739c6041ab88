// One labelled settings input with its help text and its error right next to it.
import type { Draft } from './settings-draft';
import type { FieldSpec } from './settings-fields';

export function SettingsField(props: {
  spec: FieldSpec;
  value: Draft[string];
  error: string | undefined;
  onChange: (name: string, value: string | boolean) => void;
}) {
  const { spec, value, error } = props;
  const id = `field-${spec.name}`;
  const describedBy = [spec.help ? `${id}-help` : '', error ? `error-${spec.name}` : '']
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name: spec.name,
    'data-testid': id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
  };
  let input;
  if (spec.kind === 'bool') {
    input = (
      <input
        type="checkbox"
        {...common}
        checked={value === true}
        onChange={(e) => props.onChange(spec.name, e.target.checked)}
      />
    );
  } else if (spec.kind === 'select') {
    input = (
      <select
        {...common}
        value={String(value)}
        onChange={(e) => props.onChange(spec.name, e.target.value)}
      >
        {spec.options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        type={spec.kind === 'number' ? 'number' : 'text'}
        step={spec.kind === 'number' ? (spec.step ?? 1) : undefined}
        spellCheck={false}
        {...common}
        value={String(value)}
        onChange={(e) => props.onChange(spec.name, e.target.value)}
      />
    );
  }
  return (
    <div className={`field field-${spec.kind}${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{spec.label}</label>
      {input}
      {spec.help && (
        <small id={`${id}-help`} className="muted">
          {spec.help}
        </small>
      )}
      {error && (
        <small id={`error-${spec.name}`} className="field-error" data-testid={`error-${spec.name}`}>
          {error}
        </small>
      )}
    </div>
  );
}
