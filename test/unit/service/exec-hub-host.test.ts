// An exec request may name the host it runs on: a saved host's name, handed to the starter; anything
// else is refused naming the field, and nothing is started.
import { describe, expect, it } from 'vitest';
import { createExecHub, type ExecRequest } from '../../../main/service/exec-hub';

function hub() {
  const asked: ExecRequest[] = [];
  const h = createExecHub({
    start: async (spec) => {
      asked.push(spec);
      return {
        execId: 'e',
        pid: 1,
        write: (_c, done) => done(),
        closeStdin: async () => undefined,
        resize: async () => undefined,
        pause: () => undefined,
        resume: () => undefined,
        ended: new Promise(() => undefined),
        dispose: async () => undefined,
      };
    },
    send: () => undefined,
  });
  return { h, asked };
}
const base = { namespace: 'default', id: 'c1', args: ['sh'] };

describe('exec:start host', () => {
  it('hands a saved host name to the starter, and none when absent', async () => {
    const { h, asked } = hub();
    expect((await h.start(1, { ...base, host: 'far' })).result.ok).toBe(true);
    expect((await h.start(2, base)).result.ok).toBe(true);
    expect(asked.map((s) => s.host)).toEqual(['far', undefined]);
    await h.closeAll();
  });

  it('refuses anything that is not a host name, naming the field', async () => {
    const { h, asked } = hub();
    for (const host of ['', 'a\nb', '-x', 'x'.repeat(64), 'a b']) {
      const r = (await h.start(1, { ...base, host })).result;
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'bad-payload', fields: [{ field: 'host' }] },
      });
    }
    expect(asked).toEqual([]);
  });
});
