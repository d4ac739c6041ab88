// `cdesk images`: images of a namespace with their size (as ctr counts it) and the containers using them.
import { EXIT, parseCommand, printReply, processIo, type CliIo } from './common';
import {
  formatImages,
  NAMESPACE_FLAG,
  NAMESPACE_HELP,
  namespaceFlag,
  namespaceOn,
  type InsideOutputOptions,
} from './inside-format';
import { stdoutIsTerminal } from './terminal-text';

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
  const p = parseCommand(argv, NAMESPACE_FLAG, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  namespaceFlag(p.flags);
  return printReply(
    'images',
    p,
    io,
    tty,
    async (c) => ({
      command: 'images:list',
      payload: { namespace: await namespaceOn(p.flags, c) },
    }),
    {
      text: (v) =>
        v.images.length
          ? formatImages(v.images, v.totalSize, v.snapshotters)
          : `No images in namespace ${v.namespace}. Import one with: ctr -n ${v.namespace} images import FILE.tar (see cdesk env).\n`,
    },
  );
}
