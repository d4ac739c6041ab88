// The whole-window notice when the app refused this page's token: the tab cannot recover by itself.
import { useStore } from '../store/context';
import { refusedText } from '../store/truth';

export function LinkRefused() {
  const refused = useStore((s) => s.connection === 'refused');
  const stateDir = useStore((s) => s.status?.paths.state ?? null);
  if (!refused) return null;
  const { reason } = refusedText(stateDir);
  const file = stateDir ? `${stateDir}/serve.token` : 'STATE/serve.token';
  return (
    <div className="link-refused" role="alert" data-testid="link-refused">
      <strong>{reason[0]!.toUpperCase() + reason.slice(1)}.</strong> The app restarted with a new
      access token, so this tab cannot reconnect. The token is also in <code>{file}</code>: open{' '}
      <code>{`${window.location.origin}/?token=<that token>`}</code>. What you see below is from
      before the restart.
    </div>
  );
}
