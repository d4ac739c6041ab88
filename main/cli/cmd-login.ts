// `cdesk login REGISTRY` / `cdesk logout REGISTRY`: credentials in your docker config (auths), as
// docker, nerdctl, skopeo and podman read them. Local: no app needed.
import { isInsecure } from '../containerd/pull/pull';
import { Registry } from '../containerd/pull/registry';
import { AppError } from '../shared/app-error';
import { dockerConfigPath, removeCredentials, saveCredentials } from '../shared/docker-config';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { onePositional } from './inside-format';

const LOGIN_USAGE = `usage: cdesk login REGISTRY [-u USER] [--password-stdin]

Check credentials with REGISTRY (host or host:port; docker.io for Docker Hub), as docker login
does, then store them in your docker config ($DOCKER_CONFIG/config.json, else
~/.docker/config.json; mode 0600, other keys kept). cdesk pull, docker, nerdctl, skopeo and podman
use them. Refused credentials are not stored; a registry that cannot be reached (e.g. plain HTTP
on another host) is stored unchecked, with a warning. The password is read from stdin
(--password-stdin), else asked for on the terminal.
  -u, --username USER   the user name (asked for when missing)
  --password-stdin      read the password from stdin (e.g. echo "$TOKEN" | cdesk login …)
`;

const LOGOUT_USAGE = `usage: cdesk logout REGISTRY

Remove REGISTRY's credentials from your docker config ($DOCKER_CONFIG/config.json, else
~/.docker/config.json).
`;

/** Where login reads typed or piped text (tests pass their own). */
export interface LoginInput {
  /** All of stdin (for --password-stdin), at most 64 KiB. */
  readAll(): Promise<string>;
  /** Ask on the terminal; `hidden` does not echo. Null when there is no terminal. */
  ask(question: string, hidden: boolean): Promise<string | null | typeof INTERRUPTED>;
}

/** What ask() answers when the user pressed Ctrl-C. */
export const INTERRUPTED = Symbol('interrupted');

const MAX_STDIN = 64 * 1024;

function processInput(): LoginInput {
  return {
    async readAll() {
      let text = '';
      for await (const chunk of process.stdin) {
        text += String(chunk);
        if (text.length > MAX_STDIN) throw new UsageError('stdin holds more than 64 KiB');
      }
      return text;
    },
    async ask(question, hidden) {
      if (!process.stdin.isTTY) return null;
      process.stderr.write(question);
      const stdin = process.stdin;
      // Raw for both questions: Ctrl-C and Ctrl-D then arrive as characters to answer, where a
      // cooked terminal would raise SIGINT or end the input with the question left pending.
      stdin.setRawMode(true);
      stdin.resume();
      return new Promise((resolve) => {
        let answer = '';
        const done = (v: string | typeof INTERRUPTED) => {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(v);
        };
        const onData = (b: Buffer) => {
          for (const ch of b.toString('utf8')) {
            if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(answer);
            if (ch === '\u0003') return done(INTERRUPTED);
            if (ch === '\u007f' || ch === '\b') {
              if (answer && !hidden) process.stderr.write('\b \b');
              answer = answer.slice(0, -1);
            } else {
              answer += ch;
              if (!hidden) process.stderr.write(ch);
            }
          }
        };
        stdin.on('data', onData);
      });
    },
  };
}

function registryArg(text: string): string {
  const host = text.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/.test(host))
    throw new UsageError(
      `${JSON.stringify(text)} is not a registry (host or host:port, e.g. registry.lan:5000)`,
    );
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
    throw new UsageError(
      `${JSON.stringify(text)}: the registry's port ${port} is not between 1 and 65535`,
    );
  return host;
}

function fail(name: string, err: unknown, io: CliIo): number {
  if (!(err instanceof AppError)) throw err;
  io.err(`cdesk ${name}: ${err.message}\n  hint: ${err.hint}\n`);
  return EXIT.failed;
}

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  input: LoginInput = processInput(),
): Promise<number> {
  const p = parseCommand(
    argv,
    { username: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' } },
    LOGIN_USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  const registry = registryArg(onePositional(p, 'REGISTRY (e.g. docker.io or 127.0.0.1:5000)'));
  let username = typeof p.flags.username === 'string' ? p.flags.username : null;
  let password: string | null;
  if (p.flags['password-stdin']) {
    if (!username) throw new UsageError('--password-stdin needs --username');
    password = (await input.readAll()).replace(/\r?\n$/, '');
  } else {
    const user = username ?? (await input.ask('Username: ', false));
    if (user === INTERRUPTED) return EXIT.interrupted;
    username = user;
    if (username === '') throw new UsageError('the user name is empty');
    const pass = username === null ? null : await input.ask('Password: ', true);
    if (pass === INTERRUPTED) return EXIT.interrupted;
    password = pass;
    if (username === null || password === null)
      throw new UsageError('no terminal to ask on: pass -u USER and --password-stdin');
  }
  if (!username) throw new UsageError('the user name is empty');
  if (!password) throw new UsageError('the password is empty');
  if (username.includes(':')) throw new UsageError('the user name may not contain ":"');
  // As docker login: the registry must accept the credentials before they are stored. One it
  // cannot reach (a plain-HTTP registry only the app's insecureRegistries lists) is stored unchecked.
  let checked = true;
  try {
    await new Registry(
      { domain: registry, path: '', tag: null, digest: null, name: registry },
      { insecure: isInsecure(registry, []), credentials: { username, password } },
    ).ping();
  } catch (err) {
    if (err instanceof AppError && err.code === 'registry-unauthorized') {
      io.err(
        `cdesk login: ${registry} refused the user name or password; nothing was stored\n  hint: check them and try again\n`,
      );
      return EXIT.failed;
    }
    if (!(err instanceof AppError) || err.code !== 'registry-unreachable')
      return fail('login', err, io);
    io.err(`cdesk login: could not check the login: ${err.message}\n`);
    checked = false;
  }
  try {
    const file = await saveCredentials(registry, { username, password }, io.env);
    io.out(
      `${checked ? 'Login Succeeded' : 'Login stored (not checked)'}: ${registry} in ${file}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    return fail('login', err, io);
  }
}

export async function runLogout(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, LOGOUT_USAGE, io);
  if (!p) return EXIT.ok;
  const registry = registryArg(onePositional(p, 'REGISTRY'));
  try {
    const removed = await removeCredentials(registry, io.env);
    io.out(
      removed
        ? `Removed the login for ${registry} from ${dockerConfigPath(io.env)}\n`
        : `No login for ${registry} in ${dockerConfigPath(io.env)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    return fail('logout', err, io);
  }
}
