// `cdesk env`: how to reach the supervised containerd from a terminal (CONTAINERD_ADDRESS, ctr, nerdctl).
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag } from './inside-format';

const USAGE = `usage: cdesk env [-n NS] [--json]

Print shell lines that point containerd's own tools at the socket the app supervises, like
\`podman machine env\`. Use them with: eval "$(cdesk env)"
${NAMESPACE_HELP}`;

/** Single-quote for a POSIX shell. */
const q = (s: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, NAMESPACE_FLAG, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  const namespace = p.flags.namespace === undefined ? null : namespaceFlag(p.flags);
  return withClient('env', p.flags, io, async (c) => {
    const r = await c.invoke('daemon:status', {});
    if (!r.ok) return reportFailure('env', r.error, p.flags, io);
    const address = r.value.paths.socket;
    const ns = namespace ?? 'default';
    const ctr = `ctr -a ${q(address)}${namespace ? ` -n ${q(ns)}` : ''}`;
    const nerdctl = `nerdctl --address ${q(address)}${namespace ? ` --namespace ${q(ns)}` : ''}`;
    if (p.flags.json) {
      io.out(
        `${JSON.stringify({ address, namespace: ns, ctr, nerdctl, state: r.value.state }, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    io.out(
      `export CONTAINERD_ADDRESS=${q(address)}\n` +
        (namespace ? `export CONTAINERD_NAMESPACE=${q(ns)}\n` : '') +
        `# containerd is ${r.value.state}. Run this command to configure your shell:\n` +
        `#   eval "$(cdesk env${namespace ? ` -n ${q(ns)}` : ''})"\n` +
        `# or pass the socket explicitly:\n` +
        `#   ${ctr} containers ls\n` +
        `#   ${nerdctl} ps\n`,
    );
    return EXIT.ok;
  });
}
