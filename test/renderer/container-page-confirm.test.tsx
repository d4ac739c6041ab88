// The container page's Kill and Delete: each asks first, naming the container, and only then acts.
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerPage } from '../../renderer/src/views';
import { FakeInsideClient, makeContainer, ok } from './fake-inside-client';
import { renderInside, settle } from './views-render';

function client() {
  const c = new FakeInsideClient();
  c.containers.set('default', [makeContainer('web', 'running'), makeContainer('old', 'stopped')]);
  return c;
}

/** The page of `id` (in default), with its `button` pressed: the dialog that asks first. */
async function pageAsking(c: FakeInsideClient, id: string, button: 'Kill' | 'Delete') {
  await renderInside(<ContainerPage route={{ namespace: 'default', id, tab: 'summary' }} />, c);
  fireEvent.click(screen.getByRole('button', { name: button }));
  return screen.getByRole('dialog');
}

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('ContainerPage confirmations', () => {
  it('Kill names the container and what SIGKILL does, and kills only once confirmed', async () => {
    const c = client();
    const dialog = await pageAsking(c, 'web', 'Kill');
    expect(dialog.textContent).toContain('Kill container web?');
    expect(dialog.textContent).toContain('This sends SIGKILL to the task of web');
    expect(c.callsTo('task:kill')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Kill container' }));
    await settle();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(c.callsTo('task:kill')).toEqual([
      { namespace: 'default', id: 'web', signal: 'SIGKILL' },
    ]);
  });

  it('Delete names the namespace, deletes once confirmed and goes back to the list', async () => {
    const c = client();
    c.on('container:delete', (p) => ok({ id: p.id }));
    const dialog = await pageAsking(c, 'old', 'Delete');
    expect(dialog.textContent).toContain('Delete container old?');
    expect(dialog.textContent).toContain('In namespace default, this removes the container old');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(c.callsTo('container:delete')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete container' }),
    );
    await settle();
    expect(c.callsTo('container:delete')).toEqual([{ namespace: 'default', id: 'old' }]);
    expect(window.location.hash).toBe('#/containers');
  });
});
