// `cdesk load [-i FILE]`: load a docker save / OCI layout tar into a namespace, unpacked.
import { fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { archiveRequest } from './image-archive';
import { NAMESPACE_FLAG, NAMESPACE_HELP } from './inside-format';

const USAGE = `usage: cdesk load [-i FILE] [-n NS] [--json]

Load images from a tar archive written by docker save, cdesk save, ctr images export or skopeo
(docker-archive: or oci-archive:), as ctr images import does: the blobs go into the content store
with every digest checked, the images are created under their names (manifest.json RepoTags, or
index.json's io.containerd.image.name / org.opencontainers.image.ref.name) and unpacked so they run
at once. A file that is not an image archive is refused and nothing is kept.
The app reads the file itself (it runs as your user): FILE, or this command's standard input.
  -i, --input FILE    the archive (default: standard input, which must not be a terminal)
${NAMESPACE_HELP}`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, input: { type: 'string', short: 'i' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (p.positionals.length)
    throw new UsageError(`unexpected argument ${p.positionals[0]}; give the file with -i FILE`);
  return archiveRequest(
    'load',
    p,
    io,
    'image:load',
    (namespace) => {
      if (typeof p.flags.input === 'string') return { namespace, path: resolve(p.flags.input) };
      if (process.stdin.isTTY)
        throw new UsageError('no archive: give -i FILE or pipe one in (cdesk load < image.tar)');
      // A socket (a parent that spawned us with one for stdin) has no path the app could open.
      if (fstatSync(0).isSocket())
        throw new UsageError(
          'standard input is a socket, which the app cannot open: give -i FILE, or pipe it through cat',
        );
      // The app opens this process's stdin (same user) and streams it; it stays open until the reply.
      return { namespace, path: `/proc/${process.pid}/fd/0` };
    },
    (v) => v.images.map((i) => `Loaded image: ${i.name} ${i.digest}\n`).join(''),
  );
}
