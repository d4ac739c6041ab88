// A small modal confirmation that names what goes; Cancel has focus first, Escape cancels, focus returns.
import { useEffect, useRef, type ReactNode } from 'react';

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    cancel.current?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div className="iv-modal-backdrop" onMouseDown={props.onCancel}>
      <div
        className="iv-modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            props.onCancel();
          }
        }}
      >
        <h3 id="confirm-title">{props.title}</h3>
        <div className="iv-modal-body">{props.children}</div>
        <div className="button-row iv-modal-buttons">
          <button ref={cancel} type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" className="iv-danger" onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
