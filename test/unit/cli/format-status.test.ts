// `cdesk status` claims what the window's badge claims: a failed newest check is "unhealthy".
import { describe, expect, it } from 'vitest';
import { formatStatus, statusLine } from '../../../main/cli/format-status';
import { status } from '../service/fake-engine';

describe('cdesk status during a hang', () => {
  it('says unhealthy, not "running — healthy", once the newest check timed out', () => {
    const now = Date.now();
    const s = status('running', {
      reason: 'healthy',
      lastHealth: { at: now - 1000, ok: false, result: 'TIMEOUT', latencyMs: 3000 },
    });
    const text = formatStatus(s, now);
    expect(text).toMatch(/^state:\s+unhealthy — health check failed \(TIMEOUT\)$/m);
    expect(text).toMatch(/^health:\s+TIMEOUT in 3000\.0 ms/m);
    expect(statusLine(s)).toBe('containerd is unhealthy (pid 4242)');
  });

  it('says running while the newest check passed', () => {
    const now = Date.now();
    const s = status('running', {
      reason: 'healthy',
      lastHealth: { at: now - 1000, ok: true, result: 'SERVING', latencyMs: 1.2 },
    });
    expect(formatStatus(s, now)).toMatch(/^state:\s+running — healthy$/m);
  });

  it('ignores a failed check from before the daemon last became running', () => {
    const now = Date.now();
    const s = status('running', {
      reason: 'healthy',
      runningSince: now - 500,
      lastHealth: { at: now - 5000, ok: false, result: 'TIMEOUT', latencyMs: 3000 },
    });
    expect(formatStatus(s, now)).toMatch(/^state:\s+running — healthy$/m);
  });
});
