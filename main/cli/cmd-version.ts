// `cdesk version`: this cdesk, then the app it reaches and that app's containerd, as `docker version` shows client and server.
import { formatContainerdVersion } from '../../common/containerd';
import { PROTOCOL_VERSION } from '../../common/rpc';
import { version as cdeskVersion } from '../../package.json';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';

const USAGE = `usage: cdesk version [--json]

Show this cdesk's version and control protocol, then the app it talks to (this machine's, or
-H HOST's) and its containerd. The client part prints even when no app runs (exit 3 then).
\`cdesk --version\` prints the first line only, without asking the app.`;

/** `cdesk --version`: one line, no app needed. */
export function versionLine(): string {
  return `cdesk version ${cdeskVersion}, protocol ${PROTOCOL_VERSION}\n`;
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  const client = { version: cdeskVersion, protocol: PROTOCOL_VERSION, node: process.version };
  const json = p.flags.json === true;
  if (!json)
    io.out(
      `Client:\n Version:    ${client.version}\n Protocol:   ${client.protocol}\n Node:       ${client.node}\n\n`,
    );
  let answered = false;
  // The client part stands on its own: with --json a failure still prints it, with server null
  // (so the failure itself is told on stderr only).
  const textFlags = { ...p.flags, json: false };
  const code = await withClient('version', textFlags, io, async (c) => {
    const [info, status] = await Promise.all([
      c.invoke('app:info', {}),
      c.invoke('daemon:status', {}),
    ]);
    if (!info.ok) return reportFailure('version', info.error, textFlags, io);
    const containerd = status.ok
      ? { state: status.value.state, version: status.value.version }
      : null;
    // The hello matched, so the app speaks this cdesk's protocol.
    const server = {
      version: info.value.appVersion,
      protocol: PROTOCOL_VERSION,
      mode: info.value.mode,
      containerd,
    };
    answered = true;
    if (json) {
      io.out(`${JSON.stringify({ client, server }, null, 2)}\n`);
      return EXIT.ok;
    }
    const daemon = !status.ok
      ? `unknown: ${status.error.message}`
      : status.value.version
        ? `${formatContainerdVersion(status.value.version)}, ${status.value.state}`
        : `${status.value.state} (its version is known once it has answered)`;
    io.out(
      `Server: Containerd Desktop (${server.mode})\n Version:    ${server.version}\n Protocol:   ${server.protocol}\n containerd: ${daemon}\n`,
    );
    return EXIT.ok;
  });
  if (json && !answered) io.out(`${JSON.stringify({ client, server: null }, null, 2)}\n`);
  return code;
}
