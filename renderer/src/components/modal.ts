// What every modal dialog does: focus its first control and give focus back on close; a click on
// the backdrop or Escape closes it. Returns the props for the backdrop and for the dialog element.
import { useEffect, type KeyboardEvent, type MouseEvent, type RefObject } from 'react';

export function useModal(opts: {
  onClose: () => void;
  /** The id of the heading that names the dialog. */
  titleId: string;
  /** Focused when the dialog opens. */
  first: RefObject<HTMLElement | null>;
}) {
  const { onClose, first } = opts;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    first.current?.focus();
    return () => before?.focus?.();
  }, [first]);
  return {
    backdrop: { className: 'iv-modal-backdrop', onMouseDown: onClose },
    dialog: {
      role: 'dialog',
      'aria-modal': true,
      'aria-labelledby': opts.titleId,
      onMouseDown: (e: MouseEvent) => e.stopPropagation(),
      onKeyDown: (e: KeyboardEvent) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
      },
    },
  } as const;
}
