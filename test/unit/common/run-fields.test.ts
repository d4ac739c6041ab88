// The run fields both the CLI and the Run… form parse: one reading of -p/-v/-e/--restart/--name,
// and the form's whole-payload check naming each bad field.
import { describe, expect, it } from 'vitest';
import { runPayload } from '../../../common/container-commands';
import {
  parsePublish,
  parseVolume,
  runFormPayload,
  splitCommandLine,
  type RunFormFields,
} from '../../../common/run-fields';

const form = (over: Partial<RunFormFields> = {}): RunFormFields => ({
  namespace: 'default',
  image: 'busybox:latest',
  name: '',
  command: '',
  env: '',
  ports: '',
  volumes: '',
  network: '',
  restart: 'no',
  rm: false,
  ...over,
});

describe('splitCommandLine', () => {
  it('splits words as a shell would, quotes kept together, nothing expanded', () => {
    const r = splitCommandLine(` sh -c 'echo "$HOME" a  b' "x y" z\\ w "" `);
    expect(r).toEqual({ ok: true, value: ['sh', '-c', 'echo "$HOME" a  b', 'x y', 'z w', ''] });
    expect(splitCommandLine('')).toEqual({ ok: true, value: [] });
    expect(splitCommandLine('"a\\"b"')).toEqual({ ok: true, value: ['a"b'] });
  });
  it('an unclosed quote is an error', () => {
    expect(splitCommandLine(`echo 'oops`)).toEqual({ ok: false, error: "unclosed ' quote" });
  });
});

describe('field parsers', () => {
  it('ports and volumes as -p / -v take them', () => {
    expect(parsePublish('127.0.0.1:8080:80/udp')).toEqual({
      ok: true,
      value: { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' },
    });
    for (const bad of ['80', '0:80', '8080:70000', '300.1.1.1:80:80', '80:80/sctp'])
      expect(parsePublish(bad).ok, bad).toBe(false);
    expect(parseVolume('/a:/b:ro')).toEqual({
      ok: true,
      value: { source: '/a', destination: '/b', readonly: true },
    });
    expect(parseVolume('data:/b').ok).toBe(false);
    expect(parseVolume('/tmp:/')).toEqual({
      ok: false,
      error: "the container path can't be / (mount it at a folder, e.g. /data)",
    });
    expect(parseVolume('/tmp://').ok).toBe(false);
  });
});

describe('runFormPayload', () => {
  it('builds the payload the service validates', () => {
    const r = runFormPayload(
      form({
        name: 'web-1',
        command: `sh -c 'echo hi'`,
        env: 'A=1\n\nB=x=y\n',
        ports: '127.0.0.1:8080:80, 53:53/udp',
        volumes: '/tmp:/data:ro',
        network: 'bridge',
        restart: 'on-failure:3',
      }),
    );
    expect(r).toEqual({
      ok: true,
      payload: {
        namespace: 'default',
        image: 'busybox:latest',
        name: 'web-1',
        args: ['sh', '-c', 'echo hi'],
        env: ['A=1', 'B=x=y'],
        mounts: [{ source: '/tmp', destination: '/data', readonly: true }],
        ports: [
          { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { hostPort: 53, containerPort: 53, protocol: 'udp' },
        ],
        net: 'bridge',
        restart: 'on-failure:3',
        rm: false,
      },
    });
    if (r.ok) expect(runPayload.safeParse(r.payload).success).toBe(true);
  });

  it('an empty form runs the image as it is', () => {
    expect(runFormPayload(form())).toEqual({
      ok: true,
      payload: { namespace: 'default', image: 'busybox:latest', env: [], mounts: [], rm: false },
    });
  });

  it('names every bad field, quoting the bad entry of a list', () => {
    const r = runFormPayload(
      form({
        name: '-bad',
        command: `echo "open`,
        env: 'OK=1\n=v',
        ports: '8080:80\n80',
        volumes: 'rel:/x',
        restart: 'sometimes',
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.name).toMatch(/must be a container id/);
    expect(r.errors.command).toBe('unclosed " quote');
    expect(r.errors.env).toBe('=v: expected KEY=VALUE (KEY not empty)');
    expect(r.errors.ports).toMatch(/^80: expected \[IP:\]HOST:CONTAINER/);
    expect(r.errors.volumes).toMatch(/^rel:\/x: expected \/host\/path:\/container\/path/);
    expect(r.errors.restart).toMatch(/expected no, always, unless-stopped or on-failure/);
  });

  it('ports need the bridge; remove-on-exit and a restart policy conflict', () => {
    const host = runFormPayload(form({ ports: '80:80', network: 'host' }));
    expect(!host.ok && host.errors.ports).toMatch(/needs the bridge network/);
    const rm = runFormPayload(form({ rm: true, restart: 'always' }));
    expect(!rm.ok && rm.errors.restart).toMatch(/conflicts with remove-on-exit/);
  });
});
