// One rule for a live task, shared by `cdesk ps`, the status's running count and the stop confirmation.
import { describe, expect, it } from 'vitest';
import { isLiveTask, type TaskStatus } from '../../../common/containerd';

describe('isLiveTask', () => {
  const table: Array<[TaskStatus | undefined, boolean]> = [
    [undefined, false], // a container without a task
    ['created', false],
    ['stopped', false],
    ['running', true],
    ['paused', true],
    ['pausing', true],
    ['not-responding', true], // its shim timed out: the process may well be there
    ['unknown', true], // containerd has a pid but no status for it
  ];
  it.each(table)('%s → %s', (status, live) => {
    expect(isLiveTask(status)).toBe(live);
  });
});
