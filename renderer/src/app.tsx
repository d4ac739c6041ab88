// The window: header with the state badge and controls, then Status/Health, Logs, Settings, Config.
import { useEffect, useMemo, useState } from 'react';
import type { ContractClient } from '../../common/contract';
import { ConfigPreview } from './components/config-preview';
import { ConnectionBanner } from './components/connection-banner';
import { Controls } from './components/controls';
import { HealthChart } from './components/health-chart';
import { LogView } from './components/log-view';
import { SettingsForm } from './components/settings-form';
import { StateBadge } from './components/state-badge';
import { StatusPanel } from './components/status-panel';
import { Tabs } from './components/tabs';
import { AppProvider, useDispatcher, useStore } from './store/context';
import { Dispatcher } from './store/dispatcher';
import { createStore, initialState } from './store/store';

function LoadError() {
  const error = useStore((s) => s.loadError);
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="load-error">
      <strong>{error.message}</strong> {error.hint}
    </div>
  );
}

function Shell() {
  const dispatcher = useDispatcher();
  const [tab, setTab] = useState('status');
  useEffect(() => dispatcher.start(), [dispatcher]);
  return (
    <>
      <header className="app-header">
        <h1>Containerd Desktop</h1>
        <StateBadge />
        <Controls />
      </header>
      <ConnectionBanner />
      <LoadError />
      <main>
        <Tabs
          active={tab}
          onChange={setTab}
          tabs={[
            {
              id: 'status',
              label: 'Status',
              content: (
                <div className="status-grid">
                  <StatusPanel />
                  <HealthChart />
                </div>
              ),
            },
            { id: 'logs', label: 'Logs', content: <LogView /> },
            { id: 'settings', label: 'Settings', content: <SettingsForm /> },
            { id: 'config', label: 'Config', content: <ConfigPreview /> },
          ]}
        />
      </main>
    </>
  );
}

/** The whole UI over one contract client (preload API or WebSocket). */
export function App(props: { client: ContractClient; maxLogLines?: number }) {
  const dispatcher = useMemo(
    () => new Dispatcher(props.client, createStore(initialState(props.maxLogLines))),
    [props.client, props.maxLogLines],
  );
  return (
    <AppProvider client={props.client} dispatcher={dispatcher}>
      <Shell />
    </AppProvider>
  );
}
