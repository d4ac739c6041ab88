// LogView: virtualised rendering of 100k lines, level filter, search, follow/pause, copy, export.
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogView } from '../../renderer/src/views/log-view';
import { FakeClient, makeLines, ok } from './fake-client';
import { renderWithStore } from './render';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

async function withLines(n: number) {
  const r = await renderWithStore(<LogView viewportHeight={400} />);
  act(() => r.client.push({ event: 'logs:lines', payload: { lines: makeLines(n) } }));
  return r;
}

const rows = () => screen.queryAllByTestId('log-row');

describe('LogView', () => {
  it('renders only the visible rows of 100k lines', async () => {
    const { store } = await withLines(100_000);
    expect(store.getState().logs.length).toBe(100_000);
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(200);
    expect(screen.getByTestId('log-count').textContent).toBe('100000 lines');
  });

  it('follows the newest line by default', async () => {
    await withLines(1000);
    const last = rows()[rows().length - 1];
    expect(last?.getAttribute('data-seq')).toBe('999');
  });

  it('loads past lines with logs:read', async () => {
    const client = new FakeClient().stub(
      'logs:read',
      ok({ lines: makeLines(5), lastSeq: 4, nextSeq: null }),
    );
    await renderWithStore(<LogView />, client);
    expect(client.callsTo('logs:read')).toHaveLength(1);
    expect(rows()).toHaveLength(5);
  });

  it('filters by minimum level', async () => {
    await withLines(600);
    await userEvent.selectOptions(screen.getByTestId('log-level'), 'error');
    expect(rows().length).toBeGreaterThan(0);
    for (const r of rows()) expect(r.className).toContain('lvl-error');
    expect(screen.getByTestId('log-count').textContent).toBe('100 of 600 lines');
  });

  it('colours rows by level', async () => {
    await withLines(6);
    expect(rows().map((r) => r.className.match(/lvl-\w+/)?.[0])).toEqual([
      'lvl-info',
      'lvl-debug',
      'lvl-warn',
      'lvl-error',
      'lvl-info',
      'lvl-trace',
    ]);
  });

  it('searches the text, case-insensitively', async () => {
    await withLines(1000);
    await userEvent.type(screen.getByTestId('log-search'), 'MESSAGE 42');
    // message 42, 420..429
    expect(rows()).toHaveLength(11);
    expect(rows()[0]?.textContent).toContain('message 42');
  });

  it('pauses following when the user scrolls up, and resumes from the button', async () => {
    await withLines(1000);
    const follow = screen.getByTestId('log-follow');
    expect(follow.getAttribute('aria-pressed')).toBe('true');
    fireEvent.scroll(screen.getByTestId('log-viewport'), { target: { scrollTop: 0 } });
    expect(follow.getAttribute('aria-pressed')).toBe('false');
    expect(rows()[0]?.getAttribute('data-seq')).toBe('0');
    await userEvent.click(follow);
    expect(follow.getAttribute('aria-pressed')).toBe('true');
  });

  it('copies the selected lines, else every line shown', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await withLines(3);
    await userEvent.click(screen.getByTestId('log-copy'));
    expect(writeText).toHaveBeenLastCalledWith(
      makeLines(3)
        .map((l) => l.raw)
        .join('\n') + '\n',
    );
    await userEvent.click(rows()[1] as HTMLElement);
    await userEvent.click(screen.getByTestId('log-copy'));
    expect(writeText).toHaveBeenLastCalledWith(`${makeLines(3)[1]?.raw}\n`);
  });

  it('exports the shown lines as a .log download', async () => {
    const createObjectURL = vi.fn((_b: Blob) => 'blob:x');
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push(this.download);
    });
    await withLines(10);
    await userEvent.selectOptions(screen.getByTestId('log-level'), 'warn');
    await userEvent.click(screen.getByTestId('log-export'));
    expect(clicked[0]).toMatch(/^containerd-.*\.log$/);
    const blob = createObjectURL.mock.calls[0]?.[0] as Blob;
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blob);
    });
    expect(text.trim().split('\n')).toHaveLength(4); // warn + error lines among 10
  });

  it('copies only what is shown: a selection hidden by the filter is not copied', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await withLines(12);
    // Select line 0 (info), then filter to errors: the selection is hidden.
    await userEvent.click(rows()[0] as HTMLElement);
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy 1 selected');
    await userEvent.selectOptions(screen.getByTestId('log-level'), 'error');
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy shown');
    expect(screen.getByTestId('log-hidden-note').textContent).toContain(
      '1 selected line is hidden',
    );
    await userEvent.click(screen.getByTestId('log-copy'));
    const copied = (writeText.mock.calls.at(-1) as unknown as [string])[0];
    expect(copied.trim().split('\n')).toHaveLength(2); // lines 3 and 9, the errors shown
    expect(copied).not.toContain('message 0"');
  });

  it('selects lines with the keyboard: arrows move, Space selects, Shift extends, Ctrl+A all', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await withLines(10);
    const vp = screen.getByTestId('log-viewport');
    vp.focus();
    await userEvent.keyboard('{Home}');
    expect(vp.getAttribute('aria-activedescendant')).toBe('log-line-0');
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(vp.getAttribute('aria-activedescendant')).toBe('log-line-2');
    await userEvent.keyboard(' ');
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy 1 selected');
    await userEvent.keyboard('{Shift>}{ArrowDown}{ArrowDown}{/Shift}');
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy 3 selected');
    await userEvent.keyboard('{Control>}c{/Control}');
    expect(writeText).toHaveBeenLastCalledWith(
      makeLines(5)
        .slice(2, 5)
        .map((l) => l.raw)
        .join('\n') + '\n',
    );
    await userEvent.keyboard('{Control>}a{/Control}');
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy 10 selected');
    await userEvent.keyboard('{Escape}');
    expect(screen.getByTestId('log-copy').textContent).toBe('Copy shown');
  });

  it('marks containerd run boundaries with the pid from the state events', async () => {
    const r = await renderWithStore(<LogView viewportHeight={400} />);
    const lines = makeLines(6).map((l, i) =>
      i === 0 || i === 3
        ? { ...l, msg: 'starting containerd', time: 1_700_000_000_000 + i * 10_000 }
        : { ...l, time: 1_700_000_000_000 + i * 10_000 },
    );
    act(() => {
      r.client.push({
        event: 'daemon:state',
        payload: {
          status: r.store.getState().status!,
          transition: {
            type: 'state',
            state: 'backoff',
            prev: 'running',
            reason: 'exited',
            code: 'exited',
            at: 1_700_000_025_000,
            pid: null,
            exit: { code: null, signal: 'SIGKILL', at: 1_700_000_025_000 },
          },
        },
      });
      r.client.push({
        event: 'daemon:state',
        payload: {
          status: r.store.getState().status!,
          transition: {
            type: 'state',
            state: 'starting',
            prev: 'backoff',
            reason: 'respawn',
            code: 'respawn',
            at: 1_700_000_029_900,
            pid: 4711,
          },
        },
      });
      r.client.push({ event: 'logs:lines', payload: { lines } });
    });
    const markers = screen.getAllByTestId('log-marker').map((m) => m.textContent);
    expect(markers).toEqual([
      '— containerd started —',
      '— containerd exited (signal SIGKILL) —',
      '— containerd restarted (pid 4711) —',
    ]);
    // In time order among the lines: the restart marker sits right before line 3.
    const order = [...screen.getByTestId('log-viewport').querySelectorAll('[data-testid]')].map(
      (e) => e.getAttribute('data-seq') ?? e.textContent,
    );
    expect(order.indexOf('— containerd restarted (pid 4711) —')).toBe(order.indexOf('3') - 1);
  });

  it('shows a skeleton, not a blank, until the first lines load', async () => {
    const client = new FakeClient().stub('logs:read', () => new Promise(() => {}));
    await renderWithStore(<LogView />, client);
    expect(screen.getByTestId('log-skeleton')).toBeTruthy();
  });

  it("jumps to a moment asked for by another page (Activity's show logs)", async () => {
    const r = await withLines(1000);
    act(() => r.dispatcher.navigate('logs', { logTime: 1_700_000_000_000 + 500 }));
    const vp = screen.getByTestId('log-viewport');
    expect(vp.getAttribute('aria-activedescendant')).toBe('log-line-500');
    expect(screen.getByTestId('log-follow').getAttribute('aria-pressed')).toBe('false');
    expect(rows().some((row) => row.getAttribute('data-seq') === '500')).toBe(true);
    expect(r.store.getState().logFocus).toBeNull();
  });
});
