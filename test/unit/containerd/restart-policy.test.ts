// docker's restart policies mapped onto containerd's restart monitor labels, and the app's on-failure.
import { describe, expect, it } from 'vitest';
import {
  DRIVER_LABEL,
  onFailureDecision,
  onFailureDelayMs,
  parseRestartPolicy,
  restartDriver,
  restartLabels,
} from '../../../main/containerd/restart-policy';

describe('parseRestartPolicy', () => {
  it('reads docker forms; on-failure without N has no limit', () => {
    expect(parseRestartPolicy('always')).toEqual({ name: 'always', maxRetries: 0 });
    expect(parseRestartPolicy('on-failure')).toEqual({ name: 'on-failure', maxRetries: 0 });
    expect(parseRestartPolicy('on-failure:5')).toEqual({ name: 'on-failure', maxRetries: 5 });
    for (const bad of ['', 'sometimes', 'always:1', 'on-failure:x', 'on-failure:-1'])
      expect(parseRestartPolicy(bad)).toBeNull();
  });
});

describe('restartDriver', () => {
  it("containerd 1.6 (capabilities empty → always): on-failure is the app's", () => {
    const caps16 = ['always'];
    expect(restartDriver(parseRestartPolicy('always')!, caps16)).toBe('monitor');
    expect(restartDriver(parseRestartPolicy('unless-stopped')!, caps16)).toBe('monitor');
    expect(restartDriver(parseRestartPolicy('on-failure:2')!, caps16)).toBe('app');
    expect(restartDriver(parseRestartPolicy('no')!, caps16)).toBe('none');
  });
  it('a monitor listing on-failure (containerd ≥ 1.7) does it itself', () => {
    const caps = ['always', 'on-failure', 'unless-stopped', 'no'];
    expect(restartDriver(parseRestartPolicy('on-failure')!, caps)).toBe('monitor');
  });
});

describe('restartLabels', () => {
  it('policy, log URI and driver; no status label before the task runs', () => {
    expect(restartLabels(parseRestartPolicy('on-failure:2')!, 'app', 'binary:///l?x=1')).toEqual({
      'containerd.io/restart.policy': 'on-failure:2',
      'containerd.io/restart.loguri': 'binary:///l?x=1',
      [DRIVER_LABEL]: 'app',
    });
    expect(restartLabels(parseRestartPolicy('no')!, 'none', 'u')).toEqual({});
  });
});

describe('onFailureDecision', () => {
  const app = (more: Record<string, string> = {}) => ({
    'containerd.io/restart.policy': 'on-failure:2',
    [DRIVER_LABEL]: 'app',
    ...more,
  });
  it('restarts a failure up to N times, counting', () => {
    expect(onFailureDecision(app(), 3)).toEqual({ restart: true, count: 1 });
    expect(onFailureDecision(app({ 'containerd.io/restart.count': '1' }), 1)).toEqual({
      restart: true,
      count: 2,
    });
    expect(onFailureDecision(app({ 'containerd.io/restart.count': '2' }), 1)).toEqual({
      restart: false,
    });
  });
  it("not a clean exit, a user stop, the monitor's containers or other policies", () => {
    expect(onFailureDecision(app(), 0)).toEqual({ restart: false });
    expect(
      onFailureDecision(app({ 'containerd.io/restart.explicitly-stopped': 'true' }), 143),
    ).toEqual({ restart: false });
    expect(onFailureDecision(app({ [DRIVER_LABEL]: 'monitor' }), 1)).toEqual({ restart: false });
    expect(onFailureDecision({}, 1)).toEqual({ restart: false });
  });
  it('backs off from 100 ms, doubling, at most 10 s', () => {
    expect([0, 1, 2, 20].map(onFailureDelayMs)).toEqual([100, 200, 400, 10_000]);
  });
});
