// The Settings page's sticky bar: the result or what needs fixing, and Save / Revert / Fill in defaults.
import type { ContractError } from '../../../common/contract';
import { useWriteBlock } from '../store/hosts-context';

export function SettingsSaveBar(props: {
  status: string;
  /** The status lists fields to fix (shown as an error). */
  needsFixing: boolean;
  failure: ContractError | null;
  /** Server errors for fields the form does not show. */
  unmatched: Array<[string, string]>;
  saving: boolean;
  dirty: boolean;
  /** Offer to restart containerd (saved settings that apply at the next start, daemon running). */
  offerRestart: boolean;
  onRestart: () => void;
  onDefaults: () => void;
  onRevert: () => void;
}) {
  const { failure, unmatched, saving } = props;
  const block = useWriteBlock();
  const why = block ?? undefined;
  return (
    <div className="save-bar" data-testid="settings-bar">
      <span
        role="status"
        data-testid="settings-notice"
        className={props.needsFixing ? 'save-bar-msg has-errors' : 'save-bar-msg'}
      >
        {props.status}
      </span>
      {(failure || unmatched.length > 0) && (
        <span className="command-error" role="alert" data-testid="settings-error">
          {failure && <strong>{failure.message}</strong>}
          {failure && <span> {failure.hint}</span>}
          {unmatched.map(([f, m]) => (
            <span key={f}>
              {' '}
              {f}: {m}
            </span>
          ))}
        </span>
      )}
      <span className="save-bar-actions">
        {props.offerRestart && (
          <button
            type="button"
            data-testid="settings-restart"
            onClick={props.onRestart}
            disabled={!!block}
            title={why}
          >
            Restart containerd now
          </button>
        )}
        <button
          type="button"
          data-testid="settings-defaults"
          disabled={saving}
          onClick={props.onDefaults}
        >
          Fill in defaults
        </button>
        <button
          type="button"
          data-testid="settings-revert"
          disabled={saving || !props.dirty}
          onClick={props.onRevert}
        >
          Revert
        </button>
        <button
          type="submit"
          className="primary"
          data-testid="settings-save"
          disabled={saving || !!block}
          title={block ? `Save: ${block}` : undefined}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </span>
    </div>
  );
}
