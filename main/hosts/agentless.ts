// An agentless host (a bare containerd, e.g. a Kubernetes node) as a ControlClient: its socket forwarded
// over the user's own ssh, read with the app's containerd API code; every other command refused.
import type { CommandName, ContractError, Result } from '../../common/contract';
import { isCommandName, parseCommand } from '../../common/contract';
import { agentlessReads, AGENTLESS_READ_COMMANDS, type SshTarget } from '../../common/hosts';
import { ContainerdClient } from '../containerd/client';
import { readOnlyContainerd, type ReadHandlers } from '../containerd/read-only';
import type { ControlClient } from '../control-socket/control-client';
import { sshCommandLine, sshWhere } from '../control-socket/ssh-link';
import { AppError, toContractError } from '../shared/app-error';
import { Empty } from '../shared/api/google/protobuf/empty';
import { VersionService } from '../shared/api/services/version/v1/version';
import { DaemonChannel } from '../shared/daemon-channel';
import {
  OPEN_FAILED,
  openForward,
  type ForwardOptions,
  type SocketForward,
} from './agentless-forward';

export { AGENTLESS_READ_COMMANDS };

/** containerd answers a version request in milliseconds; past this the first contact failed. */
const FIRST_CALL_TIMEOUT_MS = 5_000;
/** How long ssh's last words may trail the connection it dropped. */
const STDERR_SETTLE_MS = 150;

/** The reason actions are off on an agentless host (HostView.readOnly, ControlClient.readOnly). */
export function readOnlyReason(t: SshTarget): string {
  return `${t.label} is reached agentless (its containerd socket over ssh): only reading works there; install Containerd Desktop on ${t.host} to manage it`;
}

/** The answer to every command an agentless host does not serve. */
export function readOnlyError(t: SshTarget, cmd: string): ContractError {
  const dest = `${t.user !== undefined ? `${t.user}@` : ''}${t.host}${t.port !== undefined ? `:${t.port}` : ''}`;
  const what =
    cmd === 'container:logs'
      ? `container logs are files on ${t.host}, which its containerd socket does not serve`
      : `${cmd} needs Containerd Desktop on ${t.host}`;
  return {
    code: 'host-read-only',
    message: `${sshWhere(t)} is read-only (agentless: a bare containerd over ssh): ${what}`,
    hint: `Install Containerd Desktop on ${t.host} and reach it as ssh://${dest} (no socket path) to manage it, or use ctr there (${sshCommandLine(t)} ctr -n k8s.io …).`,
  };
}

export interface AgentlessOptions extends ForwardOptions {
  /** Events are batched this long before 'containerd:events' goes out (default 16 ms). */
  batchMs?: number;
}

/** One command on the read side: refused unless it only reads, validated like the app validates it. */
export async function answerReadOnly(
  t: SshTarget,
  handlers: ReadHandlers,
  name: string,
  payload: unknown,
): Promise<Result<unknown>> {
  if (!agentlessReads(name)) {
    // An unknown name is answered as the app answers it; a known command is read-only here.
    if (!isCommandName(name)) return parseCommand(name, payload);
    return { ok: false, error: readOnlyError(t, name) };
  }
  const parsed = parseCommand(name, payload);
  if (!parsed.ok) return parsed;
  const handler = handlers[name as keyof ReadHandlers] as (p: unknown) => Promise<unknown>;
  try {
    return { ok: true, value: await handler(parsed.value.payload) };
  } catch (err) {
    return { ok: false, error: toContractError(err) };
  }
}

/**
 * Reach the bare containerd socket `t.socket` on `t.host` over ssh's stream-local forwarding and
 * answer the contract read-only. Throws an AppError saying what to do when ssh cannot log in or the
 * socket cannot be opened there (missing, no access: cdesk never uses sudo, forwarding refused).
 */
export async function connectAgentless(
  t: SshTarget,
  opts: AgentlessOptions = {},
): Promise<ControlClient> {
  if (t.socket === undefined)
    throw new AppError(
      'invalid-host',
      `${t.url} names no containerd socket`,
      'Give its path in the URL (ssh://user@host/run/containerd/containerd.sock).',
    );
  const fwd: SocketForward = await openForward(t, opts);
  const channel = new DaemonChannel(fwd.localSocket);
  // Errors name the socket on that host, not the forward's local end.
  const c = new ContainerdClient(channel, `${t.socket} on ${t.host} (over ssh)`);
  const fail = async (err: unknown): Promise<never> => {
    channel.close();
    // ssh prints "open failed" as it drops the connection; its pipe may be read a moment later.
    if (!fwd.ended) await new Promise((r) => setTimeout(r, STDERR_SETTLE_MS));
    // sshd could not open the socket (missing, no access, refused): a second login tells which.
    const why = OPEN_FAILED.test(fwd.stderr()) ? await fwd.diagnose() : null;
    const sshEnd = fwd.ended ? await new Promise<AppError>((r) => fwd.onEnd(r)) : null;
    await fwd.close();
    throw why ?? sshEnd ?? notContainerd(err);
  };
  // The socket opened but what answered is not containerd's gRPC API (its ttrpc or debug socket,
  // docker's…), or it did not answer in time.
  const notContainerd = (err: unknown) =>
    new AppError(
      'host-socket',
      `${sshWhere(t)}: ${t.socket} on ${t.host} did not answer as containerd's gRPC API (${err instanceof Error ? err.message : String(err)})`,
      `Give the path of containerd's gRPC socket (the [grpc] address in its config, usually /run/containerd/containerd.sock; not its .ttrpc or debug socket), and check containerd runs there (systemctl status containerd).`,
    );
  try {
    await c.call(VersionService.version, Empty.create(), { timeoutMs: FIRST_CALL_TIMEOUT_MS });
  } catch (err) {
    return fail(err);
  }

  let closed = false;
  let closeErr: AppError | null = null;
  const closeFns: ((err: AppError) => void)[] = [];
  let side: Awaited<ReturnType<typeof readOnlyContainerd>> | null = null;
  const end = (err: AppError) => {
    if (closed) return;
    closed = true;
    closeErr = err;
    side?.dispose();
    channel.close();
    void fwd.close();
    for (const fn of closeFns.splice(0)) fn(err);
  };
  // ssh ending (the network, sshd restarting) ends the client with what ssh said.
  fwd.onEnd((err) => end(err));
  try {
    side = await readOnlyContainerd(c, {
      where: sshWhere(t),
      host: t.host,
      socket: t.socket,
      batchMs: opts.batchMs,
      // The stream also ends when ssh dies under it: give ssh's own account a moment to win.
      lost: (err) => void setTimeout(() => end(err), STDERR_SETTLE_MS),
    });
  } catch (err) {
    if (closed) throw closeErr ?? err;
    return fail(err);
  }
  if (closed) {
    side.dispose();
    throw (
      closeErr ?? new AppError('disconnected', `the SSH link to ${t.label} closed`, 'Reconnect.')
    );
  }
  const s = side;
  const gone = (): Result<never> => ({
    ok: false,
    error: toContractError(
      closeErr ??
        new AppError('disconnected', `the SSH link to ${t.label} was closed`, 'Reconnect.'),
    ),
  });

  const client: ControlClient = {
    readOnly: readOnlyReason(t),
    invoke: ((name: CommandName, payload: unknown) =>
      closed
        ? Promise.resolve(gone())
        : answerReadOnly(t, s.handlers, name, payload)) as ControlClient['invoke'],
    subscribe(listener) {
      s.listeners.add(listener);
      return () => s.listeners.delete(listener);
    },
    async events(listener) {
      if (closed) throw closeErr ?? new AppError('disconnected', `${t.label} closed`, 'Reconnect.');
      s.listeners.add(listener);
      return () => s.listeners.delete(listener);
    },
    openStream(cmd) {
      return {
        result: Promise.resolve({ ok: false, error: readOnlyError(t, cmd) }),
        send: () => false,
      };
    },
    onClose(fn) {
      if (closed && closeErr) fn(closeErr);
      else closeFns.push(fn);
    },
    close() {
      end(new AppError('disconnected', `the SSH link to ${t.label} was closed`, 'Reconnect.'));
    },
  };
  return client;
}
