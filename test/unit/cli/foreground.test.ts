// guardForeground: a closed stdout/stderr or terminal never ends a foreground supervisor.
// `streamsLater`: SIGHUP is ignored at once, the streams are guarded when asked (or by
// the first SIGHUP), so `cdesk daemon run` creates process.stdout/stderr only after the spawn.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { clockTime, guardForeground } from '../../../main/cli/foreground';

/** A stream whose write throws once `broken`, like a socket whose reader went away. */
class FakeStream extends EventEmitter {
  written: string[] = [];
  broken = false;
  destroyed = false;
  write(text: string): boolean {
    if (this.broken) throw new Error('EPIPE');
    this.written.push(text);
    return true;
  }
}

function setup(streamsLater: boolean) {
  const stdout = new FakeStream();
  const stderr = new FakeStream();
  const proc = new EventEmitter();
  const originalWrite = stdout.write;
  const guard = guardForeground('cdesk test', {
    stdout,
    stderr,
    proc: proc as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
    streamsLater,
  });
  return { stdout, stderr, proc, guard, originalWrite };
}

describe('guardForeground', () => {
  it('guards both streams at once by default: a failed write marks the stream closed', () => {
    const { stdout, stderr, guard, originalWrite } = setup(false);
    expect(stdout.write).not.toBe(originalWrite);
    stdout.broken = true;
    expect(stdout.write('x\n')).toBe(false);
    expect(guard.stdoutClosed()).toBe(true);
    stdout.broken = false;
    // Dropped after the failure, never retried into a dead stream.
    expect(stdout.write('y\n')).toBe(false);
    expect(stdout.written).toEqual([]);
    stderr.emit('error', new Error('EIO'));
    expect(guard.stderrClosed()).toBe(true);
    guard.dispose();
  });

  it('with streamsLater, touches no stream until guardStreams(), then guards them', () => {
    const { stdout, stderr, guard, originalWrite } = setup(true);
    expect(stdout.write).toBe(originalWrite);
    expect(stdout.listenerCount('error')).toBe(0);
    expect(stderr.listenerCount('error')).toBe(0);
    guard.guardStreams();
    guard.guardStreams();
    expect(stdout.listenerCount('error')).toBe(1);
    expect(stderr.listenerCount('error')).toBe(1);
    stdout.emit('error', new Error('EPIPE'));
    expect(guard.stdoutClosed()).toBe(true);
    expect(stdout.write('x\n')).toBe(false);
    guard.dispose();
    expect(stdout.listenerCount('error')).toBe(0);
  });

  it('with streamsLater, ignores SIGHUP at once and guards stderr before saying so', () => {
    const { stderr, proc, guard } = setup(true);
    expect(proc.listenerCount('SIGHUP')).toBe(1);
    // The terminal is gone: stderr's write fails. The SIGHUP line must not throw.
    stderr.broken = true;
    expect(() => proc.emit('SIGHUP')).not.toThrow();
    expect(guard.stderrClosed()).toBe(true);
    stderr.broken = false;
    proc.emit('SIGHUP');
    expect(stderr.written).toEqual([]);
    guard.dispose();
    expect(proc.listenerCount('SIGHUP')).toBe(0);
  });

  it('says once per SIGHUP that it keeps supervising', () => {
    const { stderr, proc, guard } = setup(false);
    proc.emit('SIGHUP');
    expect(stderr.written).toHaveLength(1);
    expect(stderr.written[0]).toMatch(/SIGHUP ignored: cdesk test keeps supervising containerd/);
    guard.dispose();
  });
});

describe('clockTime', () => {
  it('is the UTC time of day, HH:MM:SS.mmm', () => {
    expect(clockTime(0)).toBe('00:00:00.000');
    expect(clockTime(3_599_999)).toBe('00:59:59.999');
    expect(clockTime(86_400_000 + 13 * 3_600_000 + 5 * 60_000 + 7_042)).toBe('13:05:07.042');
    // Before 1970 too (a clock set wrong), and a fractional time is cut to its millisecond.
    expect(clockTime(-1)).toBe('23:59:59.999');
    expect(clockTime(1234.9)).toBe('00:00:01.234');
  });
});
