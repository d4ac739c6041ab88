// `cdesk run`: create and start a container from a local image; attached, print its
// output until it exits and pass its exit code on (Ctrl-C stops it); -d prints the id.
import { readFile } from 'node:fs/promises';
import type { ControlClient } from '../control-socket/control-client';
import { UsageError } from './args';
import { EXIT, helpText, reportFailure, withClient, type CliIo } from './common';
import { printNewLines } from './container-logs';
import { runPayloadFrom, splitRunArgs } from './run-flags';

export const RUN_USAGE = `usage: cdesk run [OPTIONS] IMAGE [COMMAND [ARG…]]

Create a container from a local image and start it. Without -d, its output is printed (stdout to
stdout, stderr to stderr) until it exits, and its exit code is cdesk's; Ctrl-C stops it.
  -d, --detach             start it and print its id
      --name NAME          the container's id (default: IMAGE-xxxxxx)
      --entrypoint CMD     replace the image's entrypoint ("" clears it)
  -e, --env KEY=VALUE      set an environment variable (repeatable; -e KEY takes ours)
      --env-file FILE      read KEY=VALUE lines from FILE (repeatable)
  -w, --workdir DIR        working directory inside
  -u, --user USER[:GROUP]  a uid or a name from the image's /etc/passwd (and group)
  -v, --volume /H:/C[:ro]  bind-mount host path /H at /C (repeatable; :ro read-only)
  -l, --label KEY=VALUE    a label on the container (repeatable)
      --net bridge|host|none
                           network: the app's bridge (default where the CNI plugins are
                           installed, as root), the host's, or none (loopback only)
  -p, --publish [IP:]H:C[/udp]
                           publish container port C on host port H (bridge; repeatable)
      --rm                 remove the container (and its log) once it exits; the app does it
                           when cdesk is gone (killed, or -d)
      --restart POLICY     no (default), always, unless-stopped, on-failure[:N]: containerd's
                           restart monitor starts it again (a stop holds until start)
  -n, --namespace NS       containerd namespace (default: default)

The foreground supervisor (containerd kept alive, no app) is \`cdesk daemon run\`.
`;

/** How often an attached run looks for new output and for the exit. */
const POLL_MS = 100;
/** After the exit, the log writer flushes within this. */
const DRAIN_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runContainerCommand(argv: string[], io: CliIo): Promise<number> {
  const a = splitRunArgs(argv);
  if (a.bools.has('help')) {
    io.out(helpText(RUN_USAGE));
    return EXIT.ok;
  }
  const envFiles = [];
  for (const path of a.lists.get('env-file') ?? []) {
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`--env-file ${path}: cannot read it (${err.code ?? err.message})`);
    });
    envFiles.push({ path, text });
  }
  const payload = runPayloadFrom(a, io.env, envFiles);
  const detach = a.bools.has('detach');
  const flags = {
    control: a.values.get('control'),
    json: a.bools.has('json'),
  };
  return withClient(
    'run',
    flags,
    io,
    async (c) => {
      const r = await c.invoke('container:run', payload);
      if (!r.ok) return reportFailure('run', r.error, flags, io);
      const { id, namespace } = r.value;
      if (detach) {
        io.out(flags.json ? `${JSON.stringify(r.value)}\n` : `${id}\n`);
        return EXIT.ok;
      }
      const code = await attach(c, io, namespace, id);
      if (a.bools.has('rm')) {
        const d = await c.invoke('container:delete', { namespace, id });
        if (!d.ok) return reportFailure('run', d.error, flags, io);
      }
      return code;
    },
    true,
  );
}

/** Print the container's output until its task exits; its exit status is the result. */
async function attach(c: ControlClient, io: CliIo, namespace: string, id: string): Promise<number> {
  let cursor: string | undefined;
  const stop = () => void c.invoke('task:stop', { namespace, id });
  io.signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const page = await printNewLines(c, io, { namespace, id, cursor });
      if (!page.ok) return page.code;
      cursor = page.cursor;
      const w = await c.invoke('task:wait', { namespace, id, timeoutMs: POLL_MS });
      if (!w.ok) {
        io.err(`cdesk run: ${w.error.message}\n  hint: ${w.error.hint}\n`);
        return EXIT.failed;
      }
      if (w.value.exitStatus !== null) {
        // The writer keeps what the pipes still held: read until it has been quiet a while.
        const end = Date.now() + DRAIN_MS;
        let quiet = 0;
        while (Date.now() < end && quiet < 3) {
          const more = await printNewLines(c, io, { namespace, id, cursor });
          if (!more.ok) break;
          quiet = more.count ? 0 : quiet + 1;
          cursor = more.cursor;
          await sleep(POLL_MS);
        }
        return w.value.exitStatus;
      }
    }
  } finally {
    io.signal.removeEventListener('abort', stop);
  }
}
