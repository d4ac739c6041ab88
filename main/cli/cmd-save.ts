// `cdesk save -o FILE REF…`: write images as one OCI archive (with docker's manifest.json).
import { fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatBytes } from '../../common/format-bytes';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { archiveRequest } from './image-archive';
import { NAMESPACE_FLAG, NAMESPACE_HELP } from './inside-format';

const USAGE = `usage: cdesk save [-o FILE] REF… [-n NS] [--json]

Write the images REF… (full names, as cdesk images shows them) to FILE as one OCI image layout tar
(oci-layout, index.json, blobs/sha256/…) with docker's manifest.json too, so docker load,
ctr images import, skopeo (oci-archive:) and cdesk load read it. FILE appears only when complete.
The app writes the file itself (it runs as your user).
  -o, --output FILE   the archive to write (replaced if it exists); without it, standard output
                      (when it is not a terminal: cdesk save REF | gzip > image.tar.gz)
${NAMESPACE_HELP}`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, output: { type: 'string', short: 'o' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  const output = typeof p.flags.output === 'string' ? resolve(p.flags.output) : null;
  // As docker save: no -o writes to standard output, unless it is a terminal.
  const toStdout = output === null || STDOUT.has(output);
  if (output === null && process.stdout.isTTY)
    throw new UsageError(
      'missing -o FILE, and standard output is a terminal: give -o FILE or redirect it (cdesk save REF > image.tar)',
    );
  if (!p.positionals.length) throw new UsageError('missing REF (cdesk images lists them)');
  // A socket (a parent that spawned us with one for stdout) has no path the app could open.
  if (toStdout && fstatSync(1).isSocket())
    throw new UsageError(
      'standard output is a socket, which the app cannot open: give -o FILE, or pipe it through cat',
    );
  // The app opens this process's stdout (same user), as load opens its stdin.
  const path = toStdout ? `/proc/${process.pid}/fd/1` : output;
  return archiveRequest(
    'save',
    p,
    // The archive is on stdout: what is said about it goes to stderr.
    toStdout ? { ...io, out: io.err } : io,
    'image:save',
    (namespace) => ({ namespace, names: p.positionals, path }),
    (v) =>
      `saved ${v.images.length} image(s) to ${toStdout ? 'standard output' : path} (${formatBytes(v.bytes)})\n`,
  );
}

/** Names of this process's standard output (`-o /dev/stdout`): the app's own would be its stdout. */
const STDOUT = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);
