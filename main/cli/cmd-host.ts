// `cdesk host add NAME URL [--identity FILE] | ls [--json] | rm NAME`: the saved list of other machines.
import type { ContractError } from '../../common/contract';
import { hostKindOf, LOCAL_HOST, targetOf, type SavedHost } from '../../common/hosts';
import { connectControl, type ControlClient } from '../control-socket/control-client';
import { defaultControlPath } from '../control-socket/control-paths';
import { connectSsh } from '../control-socket/ssh-link';
import { addHost, defaultHostsFile, readHosts, removeHost } from '../hosts/hosts-file';
import { AppError, toContractError } from '../shared/app-error';
import { rejectAfter } from '../shared/reject-after';
import { UsageError } from './args';
import { EXIT, formatError, parseCommand, processIo, type CliIo } from './common';

const USAGE = `usage: cdesk host add NAME ssh://user@host[:port][/path/to/containerd.sock] [--identity FILE]
       cdesk host ls [--json]
       cdesk host rm NAME

Other machines running Containerd Desktop, reached with your own OpenSSH client (your
~/.ssh/config, agent and known_hosts; never a prompt: trust a new host's key with a plain
\`ssh\` first). Use a saved host with \`cdesk -H NAME COMMAND\` (or CDESK_HOST=NAME).
The list is kept in $XDG_CONFIG_HOME/containerd-desktop/hosts.json.

A path in the URL names a bare containerd's socket on a host without Containerd Desktop (a
Kubernetes node): it is reached agentless, by forwarding that socket over ssh (no sudo: the ssh
user needs access to the socket), and is read-only (ps, images, plugins, events, status).

  --identity FILE   the private key to offer (ssh -i); default: what ssh's config and agent offer
  ls                each host's state: reachable or not (and why), containerd's state, and the
                    link's latency (one status request's round trip)
`;

/** How long `host ls` waits for one host (ssh's own ConnectTimeout is 10 s). */
const LS_TIMEOUT_MS = 15_000;

export interface HostRow {
  name: string;
  url: string;
  /** app: Containerd Desktop there (cdesk dial-stdio); agentless: a bare containerd socket, read-only. */
  kind: 'local' | 'app' | 'agentless';
  state: 'reachable' | 'unreachable';
  containerd?: string;
  latencyMs?: number;
  error?: ContractError;
}

async function probe(
  name: string,
  url: string,
  connect: () => Promise<ControlClient>,
): Promise<HostRow> {
  const kind = name === LOCAL_HOST ? 'local' : hostKindOf(url);
  let client: ControlClient | undefined;
  const timeout = rejectAfter(
    LS_TIMEOUT_MS,
    () =>
      new AppError(
        'ssh-unreachable',
        `no answer within ${LS_TIMEOUT_MS / 1000} s`,
        `Check the host is up (cdesk -H ${name} status).`,
      ),
  );
  try {
    const pending = connect();
    pending.then((c) => (client = c)).catch(() => undefined);
    client = await Promise.race([pending, timeout.expired]);
    const t0 = performance.now();
    const r = await Promise.race([client.invoke('daemon:status', {}), timeout.expired]);
    const latencyMs = performance.now() - t0;
    if (!r.ok) return { name, url, kind, state: 'unreachable', error: r.error };
    return { name, url, kind, state: 'reachable', containerd: r.value.state, latencyMs };
  } catch (err) {
    return { name, url, kind, state: 'unreachable', error: toContractError(err) };
  } finally {
    timeout.cancel();
    client?.close();
  }
}

function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatHostRows(rows: HostRow[]): string {
  const table = [
    ['NAME', 'URL', 'KIND', 'STATE', 'CONTAINERD', 'LATENCY'],
    ...rows.map((r) => [
      r.name,
      r.url,
      r.kind === 'agentless' ? 'agentless (read-only)' : r.kind,
      r.state,
      r.containerd ?? '-',
      formatLatency(r.latencyMs),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const reasons = rows
    .filter((r) => r.error)
    // ssh's errors already start with the host's name and URL.
    .map((r) => {
      const m = r.error!.message;
      return `\n${m.startsWith(`${r.name} (`) ? m : `${r.name}: ${m}`}\n  hint: ${r.error!.hint}`;
    });
  return `${lines.join('\n')}\n${reasons.join('')}${reasons.length ? '\n' : ''}`;
}

async function list(json: boolean, control: string | undefined, io: CliIo): Promise<number> {
  const hosts = await readHosts(defaultHostsFile(io.env));
  const local = control ?? defaultControlPath(io.env);
  const rows = await Promise.all([
    probe(LOCAL_HOST, `unix://${local}`, () => connectControl(local)),
    ...hosts.map((h: SavedHost) => {
      const t = targetOf(h);
      // The containerd API client loads only when an agentless host is saved.
      return probe(h.name, h.url, async () =>
        t.socket !== undefined
          ? (await import('../hosts/agentless')).connectAgentless(t, { env: io.env })
          : connectSsh(t, { env: io.env }),
      );
    }),
  ]);
  io.out(json ? `${JSON.stringify(rows, null, 2)}\n` : formatHostRows(rows));
  return EXIT.ok;
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, { identity: { type: 'string', short: 'i' } }, USAGE, io);
  if (!p) return EXIT.ok;
  if (p.flags.host !== undefined)
    throw new UsageError('-H does not apply to host (it manages the list on this machine)');
  const [verb, ...args] = p.positionals;
  const file = defaultHostsFile(io.env);
  const want = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`host ${verb} needs ${what}`);
    if (args.length > n) throw new UsageError(`unexpected argument ${args[n]}`);
  };
  if (p.flags.identity !== undefined && verb !== 'add')
    throw new UsageError('--identity goes with host add');
  try {
    switch (verb) {
      case 'add': {
        want(2, 'NAME and URL (e.g. cdesk host add buildbox ssh://me@buildbox)');
        const h: SavedHost = { name: args[0]!, url: args[1]! };
        if (typeof p.flags.identity === 'string') h.identity = p.flags.identity;
        const saved = await addHost(file, h);
        io.out(
          p.flags.json
            ? `${JSON.stringify(saved)}\n`
            : `Saved ${saved.name} (${saved.url}); try: cdesk -H ${saved.name} status\n`,
        );
        return EXIT.ok;
      }
      case 'rm':
      case 'remove': {
        want(1, 'NAME');
        await removeHost(file, args[0]!);
        if (!p.flags.json) io.out(`Removed ${args[0]}\n`);
        return EXIT.ok;
      }
      case 'ls':
      case 'list': {
        want(0, '');
        const control = typeof p.flags.control === 'string' ? p.flags.control : undefined;
        return await list(p.flags.json === true, control, io);
      }
      case undefined:
        throw new UsageError('give a subcommand: add, ls or rm');
      default:
        throw new UsageError(`unknown subcommand "${verb}" (add, ls, rm)`);
    }
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const e = toContractError(err);
    if (p.flags.json) io.out(`${JSON.stringify({ ok: false, error: e })}\n`);
    io.err(formatError(`cdesk host ${verb}`, e));
    return err.code === 'invalid-host' ? EXIT.usage : EXIT.failed;
  }
}
