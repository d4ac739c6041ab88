// A small "Copy" button that says what happened ("Copied", or why it could not).
import { useEffect, useState } from 'react';
import { copyText } from './log-actions';

export function CopyButton(props: { text: string; label: string; testId?: string }) {
  const [done, setDone] = useState<'' | 'ok' | 'failed'>('');
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(''), 1500);
    return () => clearTimeout(t);
  }, [done]);
  return (
    <button
      type="button"
      className="copy-button"
      data-testid={props.testId}
      aria-label={props.label}
      title={
        done === 'failed'
          ? 'The clipboard is not available here: select the text instead'
          : props.label
      }
      onClick={() =>
        void copyText(props.text).then(
          () => setDone('ok'),
          () => setDone('failed'),
        )
      }
    >
      {done === 'ok' ? 'Copied' : done === 'failed' ? 'Not copied' : 'Copy'}
    </button>
  );
}
