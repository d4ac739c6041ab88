// Renders an inside view over a FakeInsideClient, inside its own store provider, after the first loads.
import { act, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { InsideProvider } from '../../renderer/src/store/inside-context';
import { initialInsideState } from '../../renderer/src/store/inside-state';
import { InsideStore } from '../../renderer/src/store/inside-store';
import { FakeInsideClient } from './fake-inside-client';
import './jsdom-scroll';

export async function renderInside(
  ui: ReactElement,
  client = new FakeInsideClient(),
  namespace = 'default',
) {
  const store = new InsideStore(client, initialInsideState(namespace));
  const view = render(
    <InsideProvider client={client} store={store}>
      {ui}
    </InsideProvider>,
  );
  await settle();
  return { ...view, client, store };
}

/** Let pending promises (fake calls) resolve and React commit. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await act(async () => {});
}
