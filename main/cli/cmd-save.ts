// `cdesk save -o FILE REF…`: write images as one OCI archive (with docker's manifest.json).
import { resolve } from 'node:path';
import { formatBytes } from '../../common/format-bytes';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { archiveRequest } from './image-archive';
import { NAMESPACE_FLAG, NAMESPACE_HELP } from './inside-format';

const USAGE = `usage: cdesk save -o FILE REF… [-n NS] [--json]

Write the images REF… (full names, as cdesk images shows them) to FILE as one OCI image layout tar
(oci-layout, index.json, blobs/sha256/…) with docker's manifest.json too, so docker load,
ctr images import, skopeo (oci-archive:) and cdesk load read it. FILE appears only when complete.
The app writes the file itself (it runs as your user).
  -o, --output FILE   the archive to write (replaced if it exists)
${NAMESPACE_HELP}`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, output: { type: 'string', short: 'o' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (typeof p.flags.output !== 'string')
    throw new UsageError('missing -o FILE (where to write the archive)');
  if (!p.positionals.length) throw new UsageError('missing REF (cdesk images lists them)');
  const path = resolve(p.flags.output);
  return archiveRequest(
    'save',
    p,
    io,
    'image:save',
    (namespace) => ({ namespace, names: p.positionals, path }),
    (v) => `saved ${v.images.length} image(s) to ${path} (${formatBytes(v.bytes)})\n`,
  );
}
