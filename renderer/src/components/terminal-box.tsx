// "Use from a terminal": the commands that reach this containerd, each with a copy button.
import { useStore } from '../store/context';
import { useHostScope } from '../store/hosts-context';
import { ALL_NAMESPACES } from '../store/inside-state';
import { CopyButton } from './copy-button';

/** Quote a path for a POSIX shell only when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function terminalCommands(socket: string, namespace = 'default') {
  const q = shellQuote(socket);
  return [
    { id: 'env', text: `export CONTAINERD_ADDRESS=${q}`, what: 'for every tool in this shell' },
    { id: 'ctr', text: `ctr -a ${q} -n ${namespace} containers ls`, what: 'containerd’s own CLI' },
    {
      id: 'nerdctl',
      text: `nerdctl --address ${q} -n ${namespace} ps -a`,
      what: 'Docker-style CLI',
    },
  ];
}

/** `namespace`: the one the pages show (for all of them ctr and nerdctl want one: `default`). */
export function TerminalBox(props: { namespace?: string }) {
  const socket = useStore((s) => s.status?.paths.socket);
  const { host, remote } = useHostScope();
  const chosen = props.namespace ?? 'default';
  const namespace = chosen === ALL_NAMESPACES ? 'default' : chosen;
  if (!socket) return null;
  // Another host's socket path is a path on that host: from here, cdesk -H reaches it.
  const commands = remote
    ? [
        {
          id: 'cdesk',
          text: `cdesk -H ${shellQuote(host)} ps -a -n ${namespace}`,
          what: 'from this machine, over ssh',
        },
        ...terminalCommands(socket, namespace).map((c) => ({ ...c, what: `on ${host} itself` })),
      ]
    : terminalCommands(socket, namespace);
  return (
    <section className="card terminal-box" aria-labelledby="terminal-heading">
      <h2 id="terminal-heading">Use from a terminal{remote ? ` · ${host}` : ''}</h2>
      <ul className="command-list">
        {commands.map((c) => (
          <li key={c.id}>
            <code data-testid={`cmd-${c.id}`}>{c.text}</code>
            <span className="muted command-what">{c.what}</span>
            <CopyButton text={c.text} label={`Copy ${c.id} command`} testId={`copy-${c.id}`} />
          </li>
        ))}
      </ul>
    </section>
  );
}
