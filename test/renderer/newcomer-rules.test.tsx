// The small rules behind what a newcomer tripped on: page names become links, a supervisor change
// reads as a sentence, errors that only said containerd was away go once it answers, and a list of
// every namespace keeps same-named containers apart.
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { StateEvent } from '../../common/states';
import { LinkedText } from '../../renderer/src/components/linked-text';
import { supervisorWhat } from '../../renderer/src/components/supervisor-events';
import { ALL_NAMESPACES, applyContainerEvent } from '../../renderer/src/store/inside-reduce';
import {
  initialInsideState,
  validNamespace,
  withoutUnreachable,
} from '../../renderer/src/store/inside-state';
import { ev, makeContainer } from './fake-inside-client';

describe('LinkedText', () => {
  it('links each page it names and keeps the rest as text', () => {
    const { container } = render(
      <LinkedText text="delete those containers first (Containers page), then read the Logs page" />,
    );
    const links = [...container.querySelectorAll('a')].map((a) => [
      a.textContent,
      a.getAttribute('href'),
    ]);
    expect(links).toEqual([
      ['Containers page', '#/containers'],
      ['Logs page', '#/logs'],
    ]);
    expect(container.textContent).toBe(
      'delete those containers first (Containers page), then read the Logs page',
    );
  });

  it('leaves a sentence without a page name alone', () => {
    const { container } = render(<LinkedText text="check cdesk status" />);
    expect(container.querySelector('a')).toBeNull();
  });
});

describe('supervisorWhat', () => {
  const t = (over: Partial<StateEvent>): StateEvent => ({
    type: 'state',
    state: 'running',
    prev: 'starting',
    reason: '',
    code: 'healthy',
    at: 0,
    pid: 1,
    ...over,
  });
  it('tells a hang from a crash, and a restart from a first start', () => {
    expect(supervisorWhat(t({ state: 'backoff', prev: 'unhealthy', code: 'hung' }))).toBe(
      'containerd hung; restarting it',
    );
    expect(supervisorWhat(t({ state: 'backoff', prev: 'running', code: 'exited' }))).toBe(
      'containerd crashed; restarting it',
    );
    expect(supervisorWhat(t({ state: 'starting', prev: 'stopped', code: 'start' }))).toBe(
      'containerd starting',
    );
    expect(supervisorWhat(t({ state: 'starting', prev: 'stopping', code: 'restart' }))).toBe(
      'containerd restarting',
    );
    expect(supervisorWhat(t({ code: 'recovered', prev: 'unhealthy' }))).toBe(
      'containerd answers health checks again',
    );
  });
});

describe('withoutUnreachable', () => {
  it('drops the errors that only said containerd was away, keeps the others', () => {
    const s = initialInsideState('default');
    const rowErrors = new Map([
      [
        'default/a',
        { action: 'Stop', error: { code: 'containerd-timeout' as const, message: '', hint: '' } },
      ],
      [
        'default/b',
        { action: 'Delete', error: { code: 'in-use' as const, message: '', hint: '' } },
      ],
    ]);
    const patch = withoutUnreachable({ ...s, rowErrors });
    expect([...(patch.rowErrors ?? new Map()).keys()]).toEqual(['default/b']);
    expect(withoutUnreachable({ ...s, rowErrors: new Map([...rowErrors].slice(1)) })).toEqual({});
  });
});

describe('all namespaces', () => {
  it('an event changes the row of its own namespace only', () => {
    const list = [
      makeContainer('web', 'running'),
      makeContainer('web', 'running', { namespace: 'nw' }),
    ];
    const r = applyContainerEvent(
      list,
      ALL_NAMESPACES,
      ev('/tasks/exit', 'web', { namespace: 'nw', exitStatus: 3 }),
    );
    expect(r.list.map((c) => [c.namespace, c.task?.status])).toEqual([
      ['default', 'running'],
      ['nw', 'stopped'],
    ]);
    const created = applyContainerEvent(
      list,
      ALL_NAMESPACES,
      ev('/containers/create', 'db', { namespace: 'k8s.io' }),
    );
    expect(created.list.at(-1)).toMatchObject({ namespace: 'k8s.io', id: 'db' });
  });

  it('a namespace in the address must look like one', () => {
    expect(validNamespace('k8s.io')).toBe(true);
    expect(validNamespace('*')).toBe(true);
    expect(validNamespace('../x')).toBe(false);
    expect(validNamespace('')).toBe(false);
  });
});
