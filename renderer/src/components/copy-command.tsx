// A command to run in a terminal, with a Copy button that says whether it worked.
import { useState } from 'react';
import { copyText } from './log-actions';

export function CopyCommand(props: { command: string; label?: string }) {
  const [note, setNote] = useState('');
  const copy = async () => {
    try {
      await copyText(props.command);
      setNote('Copied');
    } catch (e) {
      setNote(
        `Copy failed: ${e instanceof Error ? e.message : String(e)}; select the text instead`,
      );
    }
  };
  return (
    <div className="iv-copy-command">
      <code className="path">{props.command}</code>
      <button type="button" onClick={() => void copy()} aria-label={props.label ?? 'Copy command'}>
        Copy
      </button>
      <span className="muted" role="status">
        {note}
      </span>
    </div>
  );
}

/** `ctr -a SOCKET -n NS` with the real socket, for the commands the empty states offer. */
export function ctrPrefix(socket: string | undefined, namespace: string): string {
  return `ctr -a ${socket ?? '/run/containerd/containerd.sock'} -n ${namespace}`;
}
