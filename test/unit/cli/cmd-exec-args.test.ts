// cdesk exec's argv as docker reads it: options up to the container, the command untouched.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/args';
import { parseExecArgs } from '../../../main/cli/cmd-exec';
import { parseClientFrame } from '../../../common/exec-stream';

describe('parseExecArgs', () => {
  it('stops at the container: the command keeps its own flags', () => {
    const a = parseExecArgs([
      '-it',
      '-e',
      'A=1',
      '-eB=2',
      '--env=C=3',
      '-w',
      '/x',
      '-u',
      '0:0',
      'c1',
      'sh',
      '-c',
      'ls -l',
    ]);
    expect(a).toMatchObject({
      interactive: true,
      tty: true,
      env: ['A=1', 'B=2', 'C=3'],
      workdir: '/x',
      user: '0:0',
      container: 'c1',
      command: ['sh', '-c', 'ls -l'],
    });
  });

  it('names the bad option, the missing value and the missing command', () => {
    expect(() => parseExecArgs(['-x', 'c1', 'sh'])).toThrow(/unknown option -x/);
    expect(() => parseExecArgs(['--detach', 'c1', 'sh'])).toThrow(/unknown option --detach/);
    expect(() => parseExecArgs(['c1', '-w'])).not.toThrow();
    expect(() => parseExecArgs(['-w'])).toThrow(/-w needs a value/);
    expect(() => parseExecArgs(['c1'])).toThrow(UsageError);
    expect(() => parseExecArgs([])).toThrow(/give the container/);
    expect(() => parseExecArgs(['-e', 'NOVALUE', 'c1', 'true'])).toThrow(/-e needs KEY=VALUE/);
  });

  it('takes -- as the end of options and --help anywhere before the container', () => {
    expect(parseExecArgs(['--', 'c1', '-x'])).toMatchObject({ container: 'c1', command: ['-x'] });
    expect(parseExecArgs(['-h', 'c1', 'true'])).toBe('help');
  });
});

describe('stream frames from a client', () => {
  it('accepts the ops and refuses oversized or malformed ones', () => {
    expect(parseClientFrame('{"stream":1,"op":"resize","cols":80,"rows":24}')).toEqual({
      stream: 1,
      op: 'resize',
      cols: 80,
      rows: 24,
    });
    expect(parseClientFrame('{"stream":1,"op":"resize","cols":-1,"rows":24}')).toBeNull();
    expect(parseClientFrame(`{"stream":1,"op":"in","data":"${'A'.repeat(50_000)}"}`)).toBeNull();
    expect(parseClientFrame('{"stream":1,"op":"rm"}')).toBeNull();
    expect(parseClientFrame('{"id":1,"cmd":"x"}')).toBeNull();
  });
});
