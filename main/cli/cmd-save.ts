// `cdesk save -o FILE REF…`: write images as one OCI archive (with docker's manifest.json).
import { resolve } from 'node:path';
import { formatBytes } from '../../common/format-bytes';
import { UsageError } from './args';
import { refuseRemoteFiles } from './connect-target';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag } from './inside-format';

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
  refuseRemoteFiles(p.flags, io.env, 'save');
  const namespace = namespaceFlag(p.flags);
  const path = resolve(p.flags.output);
  return withClient('save', p.flags, io, async (c) => {
    const r = await c.invoke('image:save', { namespace, names: p.positionals, path });
    if (!r.ok) return reportFailure('save', r.error, p.flags, io);
    if (p.flags.json) io.out(`${JSON.stringify(r.value)}\n`);
    else
      io.out(
        `saved ${r.value.images.length} image(s) to ${path} (${formatBytes(r.value.bytes)})\n`,
      );
    return EXIT.ok;
  });
}
