// Run boundaries in the log ("— containerd restarted (pid 4711) —"), placed among the shown lines by time.
// Starts come from containerd's own "starting containerd" line (so history has them too), with the
// pid taken from the state events; exits come from the state events.
import type { LogLine, StateEvent } from '../../../common/states';
import { formatExit } from './format';

export interface LogMarker {
  key: string;
  at: number;
  text: string;
  kind: 'start' | 'exit';
}

const START_MSG = 'starting containerd';

/** Finds start lines in an append-only buffer without rescanning it on every batch. */
export class StartLineScanner {
  private head: LogLine | undefined;
  private scanned = 0;
  private found: LogLine[] = [];

  scan(lines: readonly LogLine[]): readonly LogLine[] {
    if (lines[0] !== this.head || lines.length < this.scanned) {
      this.head = lines[0];
      this.scanned = 0;
      this.found = [];
    }
    for (let i = this.scanned; i < lines.length; i++) {
      const l = lines[i];
      if (l && l.msg === START_MSG) this.found = [...this.found, l];
    }
    this.scanned = lines.length;
    return this.found;
  }
}

function pidNear(t: number, transitions: readonly StateEvent[]): number | null {
  let best: StateEvent | null = null;
  for (const e of transitions) {
    if (e.pid === null || (e.state !== 'starting' && e.state !== 'running')) continue;
    // The spawn comes first; containerd's own line follows within its start-up time.
    const d = t - e.at;
    if (d < -2_000 || d > 30_000) continue;
    if (!best || Math.abs(t - e.at) < Math.abs(t - best.at)) best = e;
  }
  return best?.pid ?? null;
}

export function runMarkers(
  starts: readonly LogLine[],
  transitions: readonly StateEvent[],
): LogMarker[] {
  const out: LogMarker[] = starts.map((l, i) => {
    const pid = pidNear(l.time, transitions);
    const verb = i === 0 ? 'started' : 'restarted';
    return {
      key: `s${l.seq}`,
      at: l.time,
      kind: 'start',
      text: `— containerd ${verb}${pid !== null ? ` (pid ${pid})` : ''} —`,
    };
  });
  for (const t of transitions) {
    if (t.exit && t.prev !== 'stopping') {
      out.push({
        key: `x${t.at}`,
        at: t.exit.at,
        kind: 'exit',
        text: `— containerd exited (${formatExit(t.exit)}) —`,
      });
    } else if (t.state === 'stopped' && t.prev === 'stopping') {
      out.push({ key: `x${t.at}`, at: t.at, kind: 'exit', text: '— containerd stopped —' });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Index in `lines` before which a marker at time `at` goes (lines are in time order, near enough). */
export function insertionIndex(lines: readonly LogLine[], at: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((lines[mid]?.time ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type Placed = { marker: LogMarker; pos: number };

/** Markers with their positions, only where lines are shown around them. */
export function placeMarkers(lines: readonly LogLine[], markers: readonly LogMarker[]): Placed[] {
  if (!lines.length) return [];
  return markers.map((marker) => ({ marker, pos: insertionIndex(lines, marker.at) }));
}

export type Item = { kind: 'line'; index: number } | { kind: 'marker'; marker: LogMarker };

/** The item at virtual row `v` of lines interleaved with placed markers (few markers: linear is fine). */
export function itemAt(v: number, placed: readonly Placed[]): Item {
  let k = 0;
  for (const p of placed) {
    const at = p.pos + k;
    if (v === at) return { kind: 'marker', marker: p.marker };
    if (v < at) break;
    k++;
  }
  return { kind: 'line', index: v - k };
}

/** Virtual row of line `index`. */
export function rowOfLine(index: number, placed: readonly Placed[]): number {
  let k = 0;
  for (const p of placed) if (p.pos <= index) k++;
  return index + k;
}
