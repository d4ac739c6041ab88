// `cdesk load [-i FILE]`: load a docker save / OCI layout tar into a namespace, unpacked; Ctrl-C
// cancels the load in the app (exit 130) and nothing of it stays.
import { randomBytes } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { connectTarget, refuseRemoteFiles } from './connect-target';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag } from './inside-format';

const USAGE = `usage: cdesk load [-i FILE] [-n NS] [--json]

Load images from a tar archive written by docker save, cdesk save, ctr images export or skopeo
(docker-archive: or oci-archive:), as ctr images import does: the blobs go into the content store
with every digest checked, the images are created under their names (manifest.json RepoTags, or
index.json's io.containerd.image.name / org.opencontainers.image.ref.name) and unpacked so they run
at once. A file that is not an image archive is refused and nothing is kept.
The app reads the file itself (it runs as your user): FILE, or this command's standard input.
Ctrl-C cancels the load in the app; nothing of it is kept (exit 130).
  -i, --input FILE    the archive (default: standard input, which must not be a terminal)
${NAMESPACE_HELP}`;

/** The archive's path as the app can open it: FILE, or this process's standard input. */
function archivePath(input: unknown): string {
  if (typeof input === 'string') return resolve(input);
  if (process.stdin.isTTY)
    throw new UsageError('no archive: give -i FILE or pipe one in (cdesk load < image.tar)');
  // A socket (a parent that spawned us with one for stdin) has no path the app could open.
  if (fstatSync(0).isSocket())
    throw new UsageError(
      'standard input is a socket, which the app cannot open: give -i FILE, or pipe it through cat',
    );
  // The app opens this process's stdin (same user) and streams it; it stays open until the reply.
  return `/proc/${process.pid}/fd/0`;
}

/**
 * A terminal closed (SIGHUP) or a supervisor's stop (SIGTERM) cancels the load as Ctrl-C does,
 * so the app is told before we go; a second one ends this process at once.
 */
function cancelOnTermination(io: CliIo): CliIo {
  const ac = new AbortController();
  const signal = AbortSignal.any([io.signal, ac.signal]);
  for (const name of ['SIGTERM', 'SIGHUP'] as const)
    process.once(name, () => {
      ac.abort();
      process.once(name, () => process.exit(EXIT.interrupted));
    });
  return { ...io, signal };
}

export async function run(argv: string[], given?: CliIo): Promise<number> {
  const io = given ?? cancelOnTermination(processIo());
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, input: { type: 'string', short: 'i' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (p.positionals.length)
    throw new UsageError(`unexpected argument ${p.positionals[0]}; give the file with -i FILE`);
  // Another host's app could not see our file: refused before anything else.
  refuseRemoteFiles(p.flags, io.env, 'load');
  const namespace = namespaceFlag(p.flags);
  const path = archivePath(p.flags.input);
  const loadId = randomBytes(8).toString('hex');
  return withClient(
    'load',
    p.flags,
    io,
    async (c) => {
      // The load's own connection answers one request at a time: cancel over a second one. If
      // that fails (or finds no load yet), closing the load's connection cancels it in the app.
      const onAbort = () => {
        void connectTarget(p.flags, io.env)
          .then(async (c2) => {
            try {
              const r = await c2.invoke('image:load-cancel', { loadId });
              if (!r.ok || !r.value.cancelled) c.close();
            } finally {
              c2.close();
            }
          })
          .catch(() => c.close());
      };
      // Interrupted while connecting: nothing was asked of the app yet.
      if (io.signal.aborted) {
        io.err('cdesk load: cancelled before the load began\n');
        return EXIT.interrupted;
      }
      io.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await c.invoke('image:load', { namespace, path, loadId });
        if (!r.ok) {
          if (io.signal.aborted) {
            io.err('cdesk load: cancelled; nothing of this load was kept\n');
            return EXIT.interrupted;
          }
          return reportFailure('load', r.error, p.flags, io);
        }
        io.out(
          p.flags.json
            ? `${JSON.stringify(r.value)}\n`
            : r.value.images.map((i) => `Loaded image: ${i.name} ${i.digest}\n`).join(''),
        );
        return EXIT.ok;
      } finally {
        io.signal.removeEventListener('abort', onAbort);
      }
    },
    true,
  );
}
