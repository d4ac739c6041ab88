// The containerd config the app writes, read-only, with where it lives and the overrides file.
import { useEffect } from 'react';
import { useDispatcher, useStore } from '../store/context';

export function ConfigPreview() {
  const dispatcher = useDispatcher();
  const config = useStore((s) => s.config);
  const settings = useStore((s) => s.settings);

  // The config follows the settings; fetch again when they change.
  useEffect(() => {
    if (settings) void dispatcher.loadConfig();
  }, [dispatcher, settings]);

  return (
    <section className="panel" aria-labelledby="config-heading">
      <h2 id="config-heading">Config</h2>
      {config.preview && (
        <dl className="facts">
          <dt>Written to</dt>
          <dd className="path" data-testid="config-path">
            {config.preview.path}
          </dd>
          <dt>Overrides file</dt>
          <dd className="path" data-testid="config-overrides">
            {config.preview.overridesFile ?? 'none (set one in Settings)'}
          </dd>
        </dl>
      )}
      {config.error && (
        <div className="command-error" role="alert" data-testid="config-error">
          <strong>{config.error.message}</strong>
          <span>{config.error.hint}</span>
        </div>
      )}
      <div className="button-row">
        <button
          type="button"
          disabled={config.loading}
          onClick={() => void dispatcher.loadConfig()}
        >
          {config.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      <pre
        className="config-toml"
        data-testid="config-toml"
        tabIndex={0}
        aria-label="containerd config TOML"
      >
        {config.preview?.toml ?? ''}
      </pre>
    </section>
  );
}
