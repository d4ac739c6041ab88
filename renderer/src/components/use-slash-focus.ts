// "/" focuses a page's search box (unless the user is typing somewhere else).
import { useEffect, type RefObject } from 'react';

export function useSlashFocus(input: RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      const tag = t?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t?.isContentEditable) return;
      if (!input.current) return;
      e.preventDefault();
      input.current.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [input]);
}

/** An order that does not move under the pointer: kept rows stay put, new ones go last. */
export function stableOrder(prev: readonly string[], sorted: readonly string[]): string[] {
  const ids = new Set(sorted);
  const keep = prev.filter((id) => ids.has(id));
  const seen = new Set(keep);
  return [...keep, ...sorted.filter((id) => !seen.has(id))];
}

export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
