// `cdesk pull REF`: pull an image through the running app, with a progress line per layer;
// Ctrl-C cancels the pull (exit 130) and nothing of it stays.
import { randomBytes } from 'node:crypto';
import type { PullLayerProgress, PullProgress } from '../../common/containerd';
import { formatBytes } from '../../common/format-bytes';
import { AppError } from '../shared/app-error';
import { parsePlatform } from '../containerd/pull/platform';
import { parseReference } from '../containerd/pull/reference';
import { readCredentials } from '../shared/docker-config';
import { UsageError } from './args';
import { connectTarget } from './connect-target';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';
import { escapeForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk pull REF [--platform P] [-n NS] [--json]

Pull the image REF from its registry into the namespace, unpacked so it runs at once (as
ctr images pull does). REF is [REGISTRY/]NAME[:TAG][@sha256:DIGEST]: alpine means
docker.io/library/alpine:latest. Credentials come from your docker config
($DOCKER_CONFIG/config.json or ~/.docker/config.json; cdesk login writes it). localhost and
127.0.0.1 registries (and the insecureRegistries setting) are reached over plain HTTP.
Ctrl-C cancels the pull; nothing of it is kept (exit 130).
  --platform P        os/arch[/variant] to pull from a multi-platform image (default: this host's)
${NAMESPACE_HELP}  --json              one JSON object per line: per layer {digest, current, total, status}
                      while it runs, then {status: "pulled", image, digest, …}
`;

export interface PullOutputOptions {
  tty?: boolean;
}

const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

function layerLine(l: PullLayerProgress): string {
  const bytes =
    l.status === 'downloading'
      ? `${formatBytes(l.current)} / ${formatBytes(l.total)}`
      : formatBytes(l.total);
  return `${short(l.digest)}  ${l.status.padEnd(11)} ${bytes}`;
}

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: PullOutputOptions = {},
): Promise<number> {
  const p = parseCommand(argv, { ...NAMESPACE_FLAG, platform: { type: 'string' } }, USAGE, io);
  if (!p) return EXIT.ok;
  const text = onePositional(p, 'image REF (e.g. alpine:3.20 or 127.0.0.1:5000/x/y:tag)');
  const namespace = namespaceFlag(p.flags);
  const platform = typeof p.flags.platform === 'string' ? p.flags.platform : undefined;
  let domain: string;
  try {
    domain = parseReference(text).domain;
    if (platform !== undefined) parsePlatform(platform);
  } catch (err) {
    if (err instanceof AppError) throw new UsageError(`${err.message}\n  hint: ${err.hint}`);
    throw err;
  }
  const auth = await readCredentials(domain, io.env).catch((err: unknown) => {
    io.err(`cdesk pull: ${(err as Error).message}; pulling without credentials\n`);
    return null;
  });
  const pullId = randomBytes(8).toString('hex');
  const tty = stdoutIsTerminal(opts.tty);
  const json = p.flags.json === true;

  // What was printed, so a terminal redraws its block and a pipe gets only status changes.
  let drawn = 0;
  const lastStatus = new Map<string, string>();
  const lastJson = new Map<string, string>();
  const show = (e: PullProgress) => {
    if (json) {
      for (const l of e.layers) {
        const line = JSON.stringify({
          digest: l.digest,
          current: l.current,
          total: l.total,
          status: l.status,
        });
        if (lastJson.get(l.digest) !== line) io.out(`${line}\n`);
        lastJson.set(l.digest, line);
      }
      return;
    }
    if (tty) {
      const lines = e.layers.map(layerLine);
      const speed = e.bytesPerSecond ? `, ${formatBytes(e.bytesPerSecond)}/s` : '';
      lines.push(`${e.phase} ${formatBytes(e.current)} / ${formatBytes(e.total)}${speed}`);
      io.out(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
      drawn = lines.length;
      return;
    }
    for (const l of e.layers) {
      if (lastStatus.get(l.digest) === l.status) continue;
      lastStatus.set(l.digest, l.status);
      io.out(`${layerLine(l)}\n`);
    }
  };

  return withClient(
    'pull',
    p.flags,
    io,
    async (c) => {
      const off = await c.events((e) => {
        if (e.event === 'image:pull-progress' && e.payload.pullId === pullId) show(e.payload);
      });
      // The pull's own connection answers one request at a time: cancel over a second one.
      const onAbort = () => {
        void connectTarget(p.flags, io.env)
          .then(async (c2) => {
            try {
              await c2.invoke('image:pull-cancel', { pullId });
            } finally {
              c2.close();
            }
          })
          .catch(() => c.close());
      };
      io.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await c.invoke('image:pull', {
          namespace,
          ref: text,
          pullId,
          ...(platform !== undefined ? { platform } : {}),
          ...(auth ? { auth } : {}),
        });
        if (!r.ok) {
          if (io.signal.aborted) {
            io.err('cdesk pull: cancelled; nothing of this pull was kept\n');
            return EXIT.interrupted;
          }
          return reportFailure('pull', r.error, p.flags, io);
        }
        const v = r.value;
        if (json) io.out(`${JSON.stringify({ status: 'pulled', image: v.name, ...v })}\n`);
        else {
          const name = tty ? escapeForTerminal(v.name) : v.name;
          io.out(
            `pulled ${name} ${v.digest} (${v.platform}, ${formatBytes(v.downloaded)} downloaded)\n`,
          );
        }
        return EXIT.ok;
      } finally {
        io.signal.removeEventListener('abort', onAbort);
        off();
      }
    },
    true,
  );
}
