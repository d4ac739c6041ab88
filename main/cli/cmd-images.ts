// `cdesk images`: images of a namespace with their size (as ctr counts it) and the containers using them.
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import {
  formatImages,
  NAMESPACE_FLAG,
  NAMESPACE_HELP,
  namespaceFlag,
  type InsideOutputOptions,
} from './inside-format';
import { escapeJsonForTerminal, escapeStringsForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk images [-n NS] [--json]

List images in a namespace: reference, digest, size for this host's platform (manifest + config +
layers, as \`ctr images ls\` shows it), age and the containers using each; then snapshot disk usage.
${NAMESPACE_HELP}`;

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: InsideOutputOptions = {},
): Promise<number> {
  const tty = stdoutIsTerminal(opts.tty);
  const p = parseCommand(argv, NAMESPACE_FLAG, USAGE, io);
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  const namespace = namespaceFlag(p.flags);
  return withClient('images', p.flags, io, async (c) => {
    const r = await c.invoke('images:list', { namespace });
    if (!r.ok) return reportFailure('images', r.error, p.flags, io);
    if (p.flags.json) {
      const json = JSON.stringify(r.value, null, 2);
      io.out(`${tty ? escapeJsonForTerminal(json) : json}\n`);
      return EXIT.ok;
    }
    const v = tty ? escapeStringsForTerminal(r.value) : r.value;
    if (!v.images.length)
      io.out(
        `No images in namespace ${namespace}. Import one with: ctr -n ${namespace} images import FILE.tar (see cdesk env).\n`,
      );
    else io.out(formatImages(v.images, v.totalSize, v.snapshotters));
    return EXIT.ok;
  });
}
