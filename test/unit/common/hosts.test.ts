// Host names and ssh:// URLs as `cdesk host add` and -H take them, and the hosts file's schema.
import { describe, expect, it } from 'vitest';
import { hostNameProblem, parseHostUrl } from '../../../common/hosts';
import { hostsFileProblem } from '../../../common/hosts-schema';

describe('parseHostUrl', () => {
  it.each([
    ['ssh://me@box', { user: 'me', host: 'box' }],
    ['ssh://me@box:2222', { user: 'me', host: 'box', port: 2222 }],
    ['ssh://box', { host: 'box' }],
    ['ssh://dev@10.0.0.5:22/', { user: 'dev', host: '10.0.0.5', port: 22 }],
    ['ssh://me@[::1]:2200', { user: 'me', host: '::1', port: 2200 }],
    ['SSH://me@box.example.com', { user: 'me', host: 'box.example.com' }],
    [
      'ssh://me@node1/run/containerd/containerd.sock',
      { user: 'me', host: 'node1', socket: '/run/containerd/containerd.sock' },
    ],
    [
      'ssh://me@node1:2222/run/k3s/containerd/containerd.sock',
      { user: 'me', host: 'node1', port: 2222, socket: '/run/k3s/containerd/containerd.sock' },
    ],
  ])('reads %s', (url, want) => {
    const r = parseHostUrl(url);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.target).toEqual({ label: url, url, ...want });
  });

  it.each([
    ['box', /is not a host URL.*ssh:\/\/user@host/],
    ['tcp://box:2375', /"tcp:\/\/" is not supported, only ssh:\/\//],
    ['ssh://me@box:0', /port "0" is not a number from 1 to 65535/],
    ['ssh://me@box:99999', /port "99999"/],
    ['ssh://me@box:x', /not host\[:port\]|port "x"/],
    ['ssh://me:pw@box', /password in the URL is not supported/],
    ['ssh://-oProxyCommand=x', /is not a host name or address/],
    ['ssh://-l@box', /"-l" is not a user name/],
    ['ssh://me@box/run/x.sock?x=1', /has a query, fragment or spaces/],
    ['ssh://me@box/run/../x.sock', /is not normalized/],
    ['ssh://me@', /"" is not a host name/],
    ['ssh://me@bo x', /spaces/],
  ])('refuses %s with the reason and the form', (url, why) => {
    const r = parseHostUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(why);
      expect(r.error).toMatch(/the form is ssh:\/\/user@host\[:port\]/);
    }
  });
});

describe('hostNameProblem', () => {
  it('takes docker-context-like names', () => {
    for (const n of ['r', 'build-box', 'vm_1', 'a.b+c', 'X9'])
      expect(hostNameProblem(n)).toBeNull();
  });
  it('refuses "local", a leading dash or dot, spaces, slashes and long names', () => {
    expect(hostNameProblem('local')).toMatch(/this machine's own app/);
    for (const n of ['-x', '.x', 'a b', 'a/b', '', 'x'.repeat(64)])
      expect(hostNameProblem(n)).toMatch(/is not a host name/);
  });
});

describe('hostsFileProblem', () => {
  it('accepts a valid file', () => {
    expect(
      hostsFileProblem({
        version: 1,
        hosts: [{ name: 'r', url: 'ssh://me@box', identity: '/k' }],
      }),
    ).toBeNull();
  });
  it('names the field that is wrong', () => {
    expect(hostsFileProblem({ version: 2, hosts: [] })).toMatch(/^version: /);
    expect(hostsFileProblem({ version: 1, hosts: [{ name: 'r', url: 'http://x' }] })).toMatch(
      /^hosts\[0\]\.url: "http:\/\/" is not supported/,
    );
    expect(
      hostsFileProblem({ version: 1, hosts: [{ name: 'r', url: 'ssh://x', identity: 'k' }] }),
    ).toMatch(/^hosts\[0\]\.identity: must be an absolute path/);
    expect(
      hostsFileProblem({
        version: 1,
        hosts: [
          { name: 'r', url: 'ssh://x' },
          { name: 'r', url: 'ssh://y' },
        ],
      }),
    ).toMatch(/^hosts\[1\]\.name: "r" appears twice/);
    expect(hostsFileProblem({ version: 1, hosts: [], extra: 1 })).toMatch(/extra/);
    expect(hostsFileProblem([])).toMatch(/^\(file\)/);
  });
});
