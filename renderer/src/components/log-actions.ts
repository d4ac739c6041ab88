// Copy and export of log lines: the clipboard and a Blob download.
import type { LogLine } from '../../../common/states';

export function linesToText(lines: readonly LogLine[]): string {
  return lines.map((l) => l.raw).join('\n') + (lines.length ? '\n' : '');
}

export async function copyText(text: string): Promise<void> {
  if (!navigator.clipboard?.writeText) throw new Error('the clipboard is not available here');
  await navigator.clipboard.writeText(text);
}

/** Save text as a .log file through a Blob URL and a temporary link. */
export function downloadText(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportFileName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `containerd-${stamp}.log`;
}
