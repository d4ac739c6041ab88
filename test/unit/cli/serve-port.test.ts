// `cdesk serve`'s port: --port, else $CDESK_PORT, else the default; bad values are usage errors.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/args';
import { PORT_ENV, servePort } from '../../../main/cli/cmd-serve';
import { DEFAULT_PORT } from '../../../main/headless/http-server';

describe('serve port', () => {
  it('takes --port first, then CDESK_PORT, then the default', () => {
    expect(PORT_ENV).toBe('CDESK_PORT');
    expect(servePort({ port: '8081' }, { CDESK_PORT: '9090' })).toBe(8081);
    expect(servePort({}, { CDESK_PORT: '9090' })).toBe(9090);
    expect(servePort({}, { CDESK_PORT: '0' })).toBe(0);
    expect(servePort({}, {})).toBe(DEFAULT_PORT);
    // An empty variable is an unset one, as shells and unit files leave it.
    expect(servePort({}, { CDESK_PORT: '' })).toBe(DEFAULT_PORT);
  });

  it('refuses a bad CDESK_PORT naming the variable, the range and the ways out', () => {
    for (const bad of ['abc', '70000', '-1', '80.5', '8080x']) {
      expect(() => servePort({}, { CDESK_PORT: bad }), bad).toThrow(UsageError);
      expect(() => servePort({}, { CDESK_PORT: bad }), bad).toThrow(
        `CDESK_PORT must be a whole number from 0 to 65535 (got "${bad}"): fix it, unset it (unset CDESK_PORT) or pass --port N`,
      );
    }
    // --port given: the variable is not consulted.
    expect(servePort({ port: '1234' }, { CDESK_PORT: 'abc' })).toBe(1234);
  });
});
