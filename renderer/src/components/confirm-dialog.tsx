// A small modal confirmation that names what goes; Cancel has focus first, Escape cancels, focus returns.
import { useRef, type ReactNode } from 'react';
import { useModal } from './modal';

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  const modal = useModal({ onClose: props.onCancel, titleId: 'confirm-title', first: cancel });
  return (
    <div {...modal.backdrop}>
      <div className="iv-modal" {...modal.dialog}>
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
