// The plain name rules `cdesk run` / `cdesk exec` check flags with say what the contract's schemas say.
import { describe, expect, it } from 'vitest';
import { containerId, envEntry, namespaceName } from '../../../common/container-commands';
import {
  CONTAINER_ID_RULE,
  isEnvEntry,
  nameProblem,
  NAMESPACE_RULE,
} from '../../../common/container-names';

const NAMES = [
  'default',
  'k8s.io',
  'a',
  'web_1-b.c',
  '',
  '-x',
  'x-',
  'a b',
  'ä',
  'x'.repeat(76),
  'a..b',
  'a_-b',
];

describe('nameProblem', () => {
  it('accepts exactly what the namespace and container id schemas accept', () => {
    for (const v of [...NAMES, 'x'.repeat(77)]) {
      expect(nameProblem(v, NAMESPACE_RULE) === null, v).toBe(namespaceName.safeParse(v).success);
      expect(nameProblem(v, CONTAINER_ID_RULE) === null, v).toBe(containerId.safeParse(v).success);
    }
  });

  it('names the rule, or the length limit', () => {
    expect(nameProblem('-x', NAMESPACE_RULE)).toBe(NAMESPACE_RULE);
    // containerd refuses two separators in a row (its identifiers package): so do we, first.
    expect(nameProblem('a..b', CONTAINER_ID_RULE)).toBe(CONTAINER_ID_RULE);
    expect(nameProblem('a_-b', NAMESPACE_RULE)).toBe(NAMESPACE_RULE);
    expect(nameProblem('a.b_c-d', CONTAINER_ID_RULE)).toBeNull();
    expect(nameProblem('', CONTAINER_ID_RULE)).toBe(CONTAINER_ID_RULE);
    expect(nameProblem('x'.repeat(77), CONTAINER_ID_RULE)).toMatch(/at most 76 characters/);
  });
});

describe('isEnvEntry', () => {
  it('accepts exactly what the env entry schema accepts', () => {
    for (const v of [
      'A=1',
      'A=',
      'A=b=c',
      '=x',
      'A',
      'A=\0',
      'A\nB=1',
      `A=${'x'.repeat(128 * 1024)}`,
    ])
      expect(isEnvEntry(v), JSON.stringify(v.slice(0, 10))).toBe(envEntry.safeParse(v).success);
  });
});
