// Renders a component inside the store's provider, over a FakeClient, after the first load.
import { act, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { AppProvider } from '../../renderer/src/store/context';
import { Dispatcher } from '../../renderer/src/store/dispatcher';
import { createStore, initialState } from '../../renderer/src/store/store';
import { FakeClient } from './fake-client';
import './jsdom-scroll';

export async function renderWithStore(ui: ReactElement, client = new FakeClient()) {
  const store = createStore(initialState());
  const dispatcher = new Dispatcher(client, store);
  let stop = () => {};
  await act(async () => {
    stop = dispatcher.start();
  });
  const view = render(
    <AppProvider client={client} dispatcher={dispatcher}>
      {ui}
    </AppProvider>,
  );
  await act(async () => {});
  return { ...view, client, store, dispatcher, stop };
}
