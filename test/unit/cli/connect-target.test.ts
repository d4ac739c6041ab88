// Where a command connects: -H, CDESK_HOST and --control, and the commands that refuse -H.
import { describe, expect, it } from 'vitest';
import { run as load } from '../../../main/cli/cmd-load';
import { run as save } from '../../../main/cli/cmd-save';
import { hostChoice } from '../../../main/cli/connect-target';
import { captureIo } from '../../helpers/cli-io';

describe('hostChoice', () => {
  it('-H wins, then CDESK_HOST unless --control names a socket; local means this machine', () => {
    expect(hostChoice({ host: 'r' }, { CDESK_HOST: 'b' })).toBe('r');
    expect(hostChoice({}, { CDESK_HOST: 'b' })).toBe('b');
    expect(hostChoice({ control: '/s' }, { CDESK_HOST: 'b' })).toBeNull();
    expect(hostChoice({ host: 'local' }, {})).toBeNull();
    expect(hostChoice({}, { CDESK_HOST: '' })).toBeNull();
    expect(() => hostChoice({ host: 'r', control: '/s' }, {})).toThrow(
      /-H and --control both say where to connect/,
    );
  });
});

describe('load and save with -H', () => {
  it('are refused before anything is sent: the remote app would use its own files', async () => {
    const io = captureIo();
    io.env = { CDESK_HOST: 'r' };
    await expect(load(['-i', '/tmp/x.tar'], io)).rejects.toThrow(
      /load with -H r is not supported: the app there would use its own files/,
    );
    await expect(save(['-o', '/tmp/x.tar', 'busybox', '-H', 'r'], captureIo())).rejects.toThrow(
      /save with -H r is not supported/,
    );
  });
});
