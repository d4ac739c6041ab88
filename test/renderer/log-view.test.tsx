// LogView: virtualised rendering of 100k lines, level filter, search, follow/pause, copy, export.
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogView } from '../../renderer/src/components/log-view';
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
    const client = new FakeClient().stub('logs:read', ok({ lines: makeLines(5), lastSeq: 4 }));
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
});
