// Tells the user when the page has lost the app (headless mode over a WebSocket).
import { useStore } from '../store/context';

export function ConnectionBanner() {
  const connection = useStore((s) => s.connection);
  if (connection === 'open') return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="connection-banner">
      {connection === 'connecting'
        ? 'Connecting to Containerd Desktop…'
        : 'Disconnected from Containerd Desktop; reconnecting. Check that the app or `cdesk` headless mode is still running.'}
    </div>
  );
}
