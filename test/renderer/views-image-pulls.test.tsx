// The Images page's Pull field, pull cards and disk panel over a fake client: what is sent, what
// shows while a pull runs, where its error goes, and that Clean up… previews before it prunes.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullProgress, PullResult } from '../../common/containerd';
import type { Result } from '../../common/contract';
import { DiskPanel } from '../../renderer/src/components/disk-panel';
import { ImagePulls } from '../../renderer/src/components/pull-field';
import { FakeInsideClient, fail, ok } from './fake-inside-client';
import { renderInside, settle } from './views-render';

afterEach(cleanup);

const L = (c: string) => `sha256:${c.repeat(64)}`;

function progress(pullId: string, over: Partial<PullProgress> = {}): PullProgress {
  return {
    pullId,
    namespace: 'default',
    ref: 'docker.io/library/alpine:3.20',
    phase: 'downloading',
    layers: [
      { digest: L('a'), current: 512, total: 2048, status: 'downloading' },
      { digest: L('b'), current: 0, total: 1024, status: 'waiting' },
    ],
    current: 600,
    total: 3200,
    bytesPerSecond: 1024,
    ...over,
  };
}

/** image:pull answered when the test says so. */
function held(client: FakeInsideClient) {
  let settle: (r: Result<PullResult>) => void = () => undefined;
  client.on('image:pull', () => new Promise((r) => (settle = r)));
  return (r: Result<PullResult>) => settle(r);
}

async function pull(ref: string) {
  fireEvent.change(screen.getByTestId('pull-ref'), { target: { value: ref } });
  fireEvent.click(screen.getByRole('button', { name: 'Pull' }));
  await settle();
}

describe('Pull field', () => {
  it('sends the reference into the picked namespace and shows the layers as events come', async () => {
    const client = new FakeInsideClient();
    const answer = held(client);
    await renderInside(<ImagePulls />, client, 'ns1');
    await pull('alpine:3.20');
    const [sent] = client.callsTo('image:pull');
    expect(sent).toMatchObject({ namespace: 'ns1', ref: 'alpine:3.20' });
    expect(sent!.pullId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    act(() => client.push('image:pull-progress', progress(sent!.pullId, { namespace: 'ns1' })));
    const card = screen.getByTestId('pull-card');
    expect(card.getAttribute('data-phase')).toBe('downloading');
    expect(within(card).getAllByRole('progressbar')).toHaveLength(3);
    expect(
      within(card)
        .getAllByTestId('pull-layer')
        .map((l) => l.dataset.status),
    ).toEqual(['downloading', 'waiting']);
    expect(within(card).getByTestId('pull-overall').textContent).toMatch(
      /600 B \/ 3\.1 KiB · 18% · 1\.0 KiB\/s · 3s left/,
    );
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel pull of alpine:3.20' }));
    await settle();
    expect(client.callsTo('image:pull-cancel')).toEqual([{ pullId: sent!.pullId }]);
    await act(async () =>
      answer(fail({ code: 'cancelled', message: 'the pull was cancelled', hint: 'Pull again' })),
    );
    expect(screen.getByTestId('pull-card').getAttribute('data-phase')).toBe('cancelled');
    expect(screen.queryByTestId('pull-field-error')).toBeNull();
  });

  it('shows a failure beside the field with the app’s hint, and keeps the text to fix', async () => {
    const client = new FakeInsideClient();
    const answer = held(client);
    await renderInside(<ImagePulls />, client);
    await pull('127.0.0.1:5000/private/app:1');
    await act(async () =>
      answer(
        fail({
          code: 'registry-unauthorized',
          message: '127.0.0.1:5000/private/app: the registry refused access (401)',
          hint: 'If the repository is private, log in first: cdesk login 127.0.0.1:5000',
        }),
      ),
    );
    const err = screen.getByTestId('pull-field-error');
    expect(err.getAttribute('data-code')).toBe('registry-unauthorized');
    expect(err.textContent).toContain('cdesk login 127.0.0.1:5000');
    expect(screen.getByTestId('pull-ref')).toHaveProperty('value', '127.0.0.1:5000/private/app:1');
    // Said once, beside the field: no card repeats it.
    expect(screen.queryByTestId('pull-card')).toBeNull();
  });

  it('shows pulls started elsewhere (the CLI) from their events alone', async () => {
    const client = new FakeInsideClient();
    await renderInside(<ImagePulls />, client);
    act(() => client.push('image:pull-progress', progress('cli-1', { phase: 'unpacking' })));
    expect(screen.getByTestId('pull-card').getAttribute('data-phase')).toBe('unpacking');
    expect(screen.getByTestId('pull-phase').textContent).toContain('Extracting');
  });
});

describe('Disk panel', () => {
  it('shows system df, previews the prune in the dialog, and prunes only on confirm', async () => {
    const client = new FakeInsideClient();
    client.on('system:df', () =>
      ok({
        namespace: 'default',
        images: {
          count: 3,
          unused: 1,
          contentBytes: 5 << 20,
          unpackedBytes: 9 << 20,
          reclaimableBytes: 2 << 20,
        },
        containers: { count: 2, running: 1, bytes: 4096, reclaimableBytes: 1024 },
      }),
    );
    client.on('system:prune', (p) =>
      ok({
        namespace: 'default',
        dryRun: p.dryRun === true,
        containers: ['old-one'],
        images: p.all ? ['docker.io/library/alpine:3.20'] : [],
        bytes: p.all ? 3 << 20 : 1024,
      }),
    );
    await renderInside(<DiskPanel />, client);
    await act(() => new Promise((r) => setTimeout(r, 450)));
    expect(screen.getByTestId('df-images').textContent).toBe('3 · 1 unused');
    expect(screen.getByTestId('df-content').textContent).toBe('5.0 MiB');
    expect(screen.getByTestId('df-unpacked').textContent).toBe('9.0 MiB');
    expect(screen.getByTestId('df-containers').textContent).toBe('2 · 1 running · 4.0 KiB');
    expect(screen.getByTestId('df-reclaimable').textContent).toBe('2.0 MiB');

    fireEvent.click(screen.getByRole('button', { name: 'Clean up…' }));
    await settle();
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByTestId('prune-containers').textContent).toContain('old-one');
    expect(within(dialog).queryByTestId('prune-images')).toBeNull();
    fireEvent.click(within(dialog).getByTestId('prune-all'));
    await settle();
    expect(within(dialog).getByTestId('prune-images').textContent).toContain('alpine:3.20');
    expect(within(dialog).getByTestId('prune-bytes').textContent).toContain('3.0 MiB');
    expect(client.callsTo('system:prune')).toEqual([
      { namespace: 'default', all: false, dryRun: true },
      { namespace: 'default', all: true, dryRun: true },
    ]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Clean up' }));
    await settle();
    expect(client.callsTo('system:prune').at(-1)).toEqual({ namespace: 'default', all: true });
    expect(screen.getByTestId('prune-outcome').textContent).toMatch(
      /Removed 1 container and 1 image; freed 3\.0 MiB/,
    );
  });

  it('Cancel in the dialog removes nothing', async () => {
    const client = new FakeInsideClient();
    client.on('system:df', () => fail({ code: 'internal', message: 'df broke', hint: '' }));
    client.on('system:prune', () =>
      ok({ namespace: 'default', dryRun: true, containers: [], images: [], bytes: 0 }),
    );
    await renderInside(<DiskPanel />, client);
    fireEvent.click(screen.getByRole('button', { name: 'Clean up…' }));
    await settle();
    expect(screen.getByRole('dialog').textContent).toContain('Nothing to remove');
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    await settle();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(client.callsTo('system:prune').every((p) => p.dryRun === true)).toBe(true);
  });
});
