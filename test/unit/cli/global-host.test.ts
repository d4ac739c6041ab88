// `cdesk -H NAME COMMAND`: docker's global -H, taken off before the command is picked.
import { describe, expect, it } from 'vitest';
import { takeGlobalHost } from '../../../main/cli/global-host';

describe('takeGlobalHost', () => {
  it.each([
    [['-H', 'r', 'ps', '-a'], 'r', ['ps', '-a']],
    [['--host', 'ssh://me@box', 'status'], 'ssh://me@box', ['status']],
    [['--host=r', 'logs'], 'r', ['logs']],
    [['-Hr', 'status'], 'r', ['status']],
    [['ps', '-H', 'r'], null, ['ps', '-H', 'r']],
  ])('%j', (argv, host, rest) => {
    expect(takeGlobalHost(argv)).toEqual({ host, argv: rest });
  });
  it('refuses a missing value and commands that only run here', () => {
    expect(() => takeGlobalHost(['-H'])).toThrow(/-H needs a host/);
    expect(() => takeGlobalHost(['-H', '--json'])).toThrow(/-H needs a host/);
    expect(() => takeGlobalHost(['-H', 'r', 'serve'])).toThrow(
      /-H does not apply to `cdesk serve`/,
    );
    expect(() => takeGlobalHost(['-H', 'r', 'host', 'ls'])).toThrow(/does not apply/);
    expect(() => takeGlobalHost(['-H', 'r', 'daemon', 'run'])).toThrow(
      /does not apply to `cdesk daemon run`/,
    );
    // A container's run and the daemon's start go to the app there.
    expect(takeGlobalHost(['-H', 'r', 'run', 'img']).argv).toEqual(['run', 'img']);
    expect(takeGlobalHost(['-H', 'r', 'daemon', 'start']).argv).toEqual(['daemon', 'start']);
  });
});
