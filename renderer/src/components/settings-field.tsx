// One labelled settings input (in the unit people use), its help, when it applies, and its error.
import type { Draft } from './settings-draft';
import { shownUnit, unitWords, type FieldSpec } from './settings-fields';

export function SettingsField(props: {
  spec: FieldSpec;
  value: Draft[string];
  error: string | undefined;
  onChange: (name: string, value: string | boolean) => void;
  onBlur?: (name: string) => void;
  /** Set by a command-line flag for this session only: shown, not saved. */
  sessionOnly?: boolean;
}) {
  const { spec, value, error } = props;
  const id = `field-${spec.key}`;
  const nextStart = spec.applies === 'next-start';
  const describedBy = [`${id}-help`, error ? `error-${spec.key}` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name: spec.key,
    'data-testid': id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    onBlur: () => props.onBlur?.(spec.key),
  };
  let input;
  if (spec.input === 'bool') {
    input = (
      <input
        type="checkbox"
        {...common}
        checked={value === true}
        onChange={(e) => props.onChange(spec.key, e.target.checked)}
      />
    );
  } else if (spec.input === 'select') {
    input = (
      <select
        {...common}
        value={String(value)}
        onChange={(e) => props.onChange(spec.key, e.target.value)}
      >
        {spec.options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    const unit = spec.input === 'number' ? shownUnit(spec) : '';
    input = (
      <span className="field-input">
        <input
          type={spec.input === 'number' ? 'number' : 'text'}
          step={spec.input === 'number' ? 'any' : undefined}
          inputMode={spec.input === 'number' ? 'decimal' : undefined}
          spellCheck={false}
          {...common}
          value={String(value)}
          onChange={(e) => props.onChange(spec.key, e.target.value)}
        />
        {unit && (
          <span className="field-unit" aria-hidden="true">
            {unit}
          </span>
        )}
      </span>
    );
  }
  return (
    <div className={`field field-${spec.input}${error ? ' invalid' : ''}`}>
      <span className="field-head">
        <label htmlFor={id}>
          {spec.label}
          {/* The unit is part of the name for screen readers; sighted users see it after the input. */}
          {unitWords(spec) && <span className="sr-only"> ({unitWords(spec)})</span>}
        </label>
        {nextStart && (
          <span
            className="field-tag"
            aria-hidden="true"
            title="Applies at the next containerd start"
          >
            next start
          </span>
        )}
        {props.sessionOnly && (
          <span
            className="field-tag field-tag-session"
            data-testid={`session-${spec.key}`}
            title="Set by a command-line flag for this session; the settings file keeps its own value"
          >
            from the command line
          </span>
        )}
      </span>
      {input}
      <small id={`${id}-help`} className="muted">
        {spec.help}
        {nextStart && <span className="sr-only"> Applies at the next containerd start.</span>}
        {props.sessionOnly && (
          <span className="sr-only"> Set from the command line for this session only.</span>
        )}
      </small>
      {error && (
        <small id={`error-${spec.key}`} className="field-error" data-testid={`error-${spec.key}`}>
          {error}
        </small>
      )}
    </div>
  );
}
