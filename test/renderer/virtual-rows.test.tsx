// The one virtualiser: rows in whole blocks, the same DOM while scrolling inside a block, the focused row kept.
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { blockRange } from '../../renderer/src/components/virtual-rows';
import { ContainersView } from '../../renderer/src/views';
import { FakeInsideClient, makeContainer } from './fake-inside-client';
import { renderInside } from './views-render';

afterEach(cleanup);

describe('blockRange', () => {
  it('widens the visible range plus overscan to whole blocks, within the list', () => {
    expect(blockRange({ startIndex: 40, endIndex: 50, overscan: 5, count: 1000 }, 16)).toEqual(
      Array.from({ length: 64 - 32 }, (_, i) => 32 + i),
    );
    expect(blockRange({ startIndex: 0, endIndex: 3, overscan: 5, count: 10 }, 16)).toEqual(
      Array.from({ length: 10 }, (_, i) => i),
    );
  });

  it('adds the kept index where it falls outside, in order', () => {
    const r = blockRange({ startIndex: 40, endIndex: 50, overscan: 0, count: 1000 }, 16, 900);
    expect(r[0]).toBe(32);
    expect(r.at(-1)).toBe(900);
    expect(blockRange({ startIndex: 40, endIndex: 50, overscan: 0, count: 1000 }, 16, 3)[0]).toBe(
      3,
    );
  });
});

describe('a virtualised table of 1,000 rows', () => {
  async function thousand() {
    const c = new FakeInsideClient();
    c.containers.set(
      'default',
      Array.from({ length: 1000 }, (_, i) =>
        makeContainer(`c${String(i).padStart(4, '0')}`, 'running'),
      ),
    );
    await renderInside(<ContainersView viewportHeight={360} />, c);
    return screen.getByTestId('containers-table');
  }
  const rows = () => screen.queryAllByTestId('containers-table-row');
  const scrollTo = (el: HTMLElement, top: number) =>
    act(() => {
      fireEvent.scroll(el, { target: { scrollTop: top } });
    });

  it('keeps the same row elements while the scroll stays inside a block', async () => {
    const vp = await thousand();
    const keys = () => rows().map((r) => r.getAttribute('data-key'));
    const before = rows();
    const beforeKeys = keys();
    // One row down: the last visible row changes, the block does not.
    scrollTo(vp, 36);
    expect(keys()).toEqual(beforeKeys);
    expect(rows().every((r, i) => r === before[i])).toBe(true);
    scrollTo(vp, 500 * 36);
    expect(rows()[0]!.getAttribute('data-key')).not.toBe('c0000');
    expect(rows().map((r) => r.getAttribute('data-key'))).toContain('c0505');
    expect(rows().length).toBeLessThan(100);
  });

  it('keeps the focused row rendered, and focused, when the wheel scrolls it away', async () => {
    const vp = await thousand();
    rows()[0]!.focus();
    scrollTo(vp, 500 * 36);
    expect(document.activeElement?.getAttribute('data-key')).toBe('c0000');
    expect(rows()[0]!.getAttribute('data-key')).toBe('c0000');
    expect(rows()[1]!.getAttribute('data-key')).not.toBe('c0001');
  });
});
