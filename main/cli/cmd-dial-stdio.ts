// `cdesk dial-stdio`: stdin/stdout ⇄ this machine's control socket, as `docker system dial-stdio`; what -H runs over ssh.
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { NO_APP_HINT } from '../control-socket/control-client';
import { checkControlPeer, defaultControlPath } from '../control-socket/control-paths';
import { UsageError } from './args';
import { EXIT, formatError, parseCommand, processIo, type CliIo } from './common';

const USAGE = `usage: cdesk dial-stdio [--control PATH]

Copy stdin to the running app's control socket and the socket's bytes to stdout, until either
side closes. Another machine's cdesk runs this over ssh for \`cdesk -H\`; it needs Containerd
Desktop running on this machine. Nothing is interpreted: the two ends speak the control
protocol themselves.
`;

export interface DialIo extends CliIo {
  /** The bytes to send to the app (process.stdin). */
  input: Readable;
  /** Where the app's bytes go (process.stdout). */
  output: Writable;
}

function processDialIo(): DialIo {
  return { ...processIo(), input: process.stdin, output: process.stdout };
}

export async function run(argv: string[], io: DialIo = processDialIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  if (p.flags.host !== undefined) throw new UsageError('-H does not apply to dial-stdio');
  const path = typeof p.flags.control === 'string' ? p.flags.control : defaultControlPath(io.env);
  const unsafe = await checkControlPeer(path);
  if (unsafe) {
    io.err(formatError('cdesk dial-stdio', unsafe));
    return EXIT.failed;
  }
  const sock = await new Promise<net.Socket | NodeJS.ErrnoException>((resolve) => {
    const s = net.connect(path);
    s.once('error', resolve);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
  if (!(sock instanceof net.Socket)) {
    const noApp = sock.code === 'ENOENT' || sock.code === 'ECONNREFUSED';
    io.err(
      formatError('cdesk dial-stdio', {
        code: noApp ? 'no-app' : 'control-connect',
        message: noApp
          ? `no running Containerd Desktop at ${path} (${sock.code})`
          : `cannot connect to ${path}: ${sock.code ?? sock.message}`,
        hint: NO_APP_HINT,
      }),
    );
    return noApp ? EXIT.noApp : EXIT.failed;
  }
  return bridge(sock, io.input, io.output);
}

/**
 * Pipe both ways (with backpressure) until either side ends: stdin's end half-closes the socket
 * (the app then finishes and closes), the socket's end ends stdout; a closed stdout drops the socket.
 */
function bridge(sock: net.Socket, stdin: Readable, stdout: Writable): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stdin.unpipe(sock);
      stdin.pause();
      stdin.destroy();
      resolve(EXIT.ok);
    };
    sock.on('error', () => sock.destroy());
    stdout.on('error', () => sock.destroy());
    stdin.on('error', () => sock.end());
    stdin.pipe(sock);
    sock.pipe(stdout);
    sock.once('close', () => {
      if (stdout.writableEnded || stdout.destroyed) return finish();
      stdout.end(finish);
    });
    stdout.once('close', () => sock.destroy());
  });
}
