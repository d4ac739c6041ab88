// `cdesk run`'s argv: options stop at IMAGE, repeatable flags, docker's -v/-e/--env-file forms.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/args';
import {
  parseEnvFile,
  parseVolume,
  runPayloadFrom,
  splitRunArgs,
} from '../../../main/cli/run-flags';

describe('splitRunArgs', () => {
  it('stops at IMAGE: what follows is the command, its own flags included', () => {
    const a = splitRunArgs([
      '-d',
      '--name=web',
      '-e',
      'A=1',
      '-eB=2',
      'img',
      'sh',
      '-c',
      'echo -n',
    ]);
    expect(a.bools.has('detach')).toBe(true);
    expect(a.values.get('name')).toBe('web');
    expect(a.lists.get('env')).toEqual(['A=1', 'B=2']);
    expect(a.image).toBe('img');
    expect(a.command).toEqual(['sh', '-c', 'echo -n']);
  });
  it('refuses unknown options and missing values', () => {
    expect(() => splitRunArgs(['--nope', 'img'])).toThrow(/unknown option --nope/);
    expect(() => splitRunArgs(['--name'])).toThrow(/--name needs a value/);
    expect(() => splitRunArgs(['--rm=1', 'img'])).toThrow(/--rm takes no value/);
  });
});

describe('values', () => {
  it('-v takes /host:/ctr[:ro|rw]', () => {
    expect(parseVolume('/a:/b')).toEqual({ source: '/a', destination: '/b', readonly: false });
    expect(parseVolume('/a:/b:ro')).toEqual({ source: '/a', destination: '/b', readonly: true });
    for (const bad of ['vol:/b', '/a', '/a:b', '/a:/b:x', '/a:/b:ro:z'])
      expect(() => parseVolume(bad), bad).toThrow(UsageError);
  });
  it('--env-file skips comments and blank lines, names the bad line', () => {
    expect(parseEnvFile('f', '# c\n\nA=1\nB=x=y\nHOME\n', { HOME: '/root' })).toEqual([
      'A=1',
      'B=x=y',
      'HOME=/root',
    ]);
    expect(() => parseEnvFile('f', 'A=1\n=bad\n', {})).toThrow(
      '--env-file f:2: expected KEY=VALUE',
    );
    // A BOM, CRLF line ends and leading blanks go; what follows '=' is kept as written.
    expect(parseEnvFile('f', '\ufeffA=1\r\n  B= two \r\n', {})).toEqual(['A=1', 'B= two ']);
    expect(() => parseEnvFile('f', 'A=1\nexport B=2\n', {})).toThrow(
      '--env-file f:2: the name "export B" contains whitespace (write KEY=VALUE, without export)',
    );
    expect(() => parseEnvFile('f', 'C = 3\n', {})).toThrow(
      '--env-file f:1: the name "C " contains whitespace (write KEY=VALUE)',
    );
  });
  it('builds the payload; --rm tells the app, attached (the CLI removes it itself) without -d', () => {
    const p = runPayloadFrom(
      splitRunArgs(['--rm', '-l', 'a=b', '--entrypoint', '', '-n', 'ns1', 'img', 'x']),
      {},
      [],
    );
    expect(p).toEqual({
      namespace: 'ns1',
      image: 'img',
      env: [],
      mounts: [],
      labels: { a: 'b' },
      rm: true,
      attached: true,
      entrypoint: [],
      args: ['x'],
    });
    const detached = runPayloadFrom(splitRunArgs(['-d', '--rm', 'img']), {}, []);
    expect([detached.rm, detached.attached]).toEqual([true, undefined]);
    const kept = runPayloadFrom(splitRunArgs(['img']), {}, []);
    expect([kept.rm, kept.attached]).toEqual([false, undefined]);
    expect(() => runPayloadFrom(splitRunArgs(['--net', 'overlay', 'img']), {}, [])).toThrow(
      /--net must be one of host, none, bridge \(got overlay\)/,
    );
  });
});

describe('--restart', () => {
  const run = (...a: string[]) => runPayloadFrom(splitRunArgs([...a, 'img']), {}, []);
  it('takes docker policies as they are', () => {
    for (const r of ['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'])
      expect(run('--restart', r).restart).toBe(r);
    expect(run().restart).toBeUndefined();
  });
  it('names the flag and the forms for a bad policy, and refuses --rm with one', () => {
    expect(() => run('--restart', 'sometimes')).toThrow(
      /--restart sometimes: expected no, always, unless-stopped or on-failure\[:N\]/,
    );
    expect(() => run('--restart', 'always:2')).toThrow(UsageError);
    expect(() => run('--rm', '--restart', 'always')).toThrow(/--restart and --rm conflict/);
    expect(run('--rm', '--restart', 'no').restart).toBe('no');
  });
});

describe('-p', () => {
  const run = (...a: string[]) => runPayloadFrom(splitRunArgs([...a, 'img']), {}, []);
  it('takes [IP:]HOST:CTR[/proto], repeatable, tcp by default', () => {
    expect(run('-p', '127.0.0.1:8080:80', '-p', '53:53/udp', '--net', 'bridge').ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostPort: 53, containerPort: 53, protocol: 'udp' },
    ]);
    expect(run('-p8080:80').ports).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    ]);
  });
  it('names the flag and the form for bad syntax; refuses -p off the bridge', () => {
    for (const bad of ['8080', '0:80', '70000:80', '1.2.3.400:1:2', '80:80/sctp', 'a:80:80'])
      expect(() => run('-p', bad)).toThrow(/expected \[IP:\]HOST:CONTAINER\[\/tcp\|udp\]/);
    expect(() => run('--net', 'host', '-p', '80:80')).toThrow(/-p needs the bridge network/);
  });
});

describe('-i / -t', () => {
  it('are refused with the way to a shell, and -e/-l values holding i or t are not taken for them', () => {
    for (const a of ['-i', '-t', '-it', '-dit', '--tty', '--interactive'])
      expect(() => splitRunArgs([a, 'img']), a).toThrow(
        /not supported by run; .*cdesk exec -it NAME sh/,
      );
    expect(splitRunArgs(['-eti=1', '-lteam=x', 'img']).lists.get('env')).toEqual(['ti=1']);
  });
});
