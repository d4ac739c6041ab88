// `cdesk load [-i FILE]`: load a docker save / OCI layout tar into a namespace, unpacked.
import { resolve } from 'node:path';
import { UsageError } from './args';
import { refuseRemoteFiles } from './connect-target';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag } from './inside-format';

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
  refuseRemoteFiles(p.flags, io.env, 'load');
  const namespace = namespaceFlag(p.flags);
  let path: string;
  if (typeof p.flags.input === 'string') path = resolve(p.flags.input);
  else {
    if (process.stdin.isTTY)
      throw new UsageError('no archive: give -i FILE or pipe one in (cdesk load < image.tar)');
    // The app opens this process's stdin (same user) and streams it; it stays open until the reply.
    path = `/proc/${process.pid}/fd/0`;
  }
  return withClient('load', p.flags, io, async (c) => {
    const r = await c.invoke('image:load', { namespace, path });
    if (!r.ok) return reportFailure('load', r.error, p.flags, io);
    if (p.flags.json) io.out(`${JSON.stringify(r.value)}\n`);
    else for (const i of r.value.images) io.out(`Loaded image: ${i.name} ${i.digest}\n`);
    return EXIT.ok;
  });
}
