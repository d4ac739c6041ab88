// The daemon's recent history on disk (restart times and causes, health samples), so a restarted app
// that adopts a running containerd still shows its last 24 h: bounded, written atomically, checked on read.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { HealthEvent } from '../../common/states';
import { writeFileAtomic } from '../shared/write-file-atomic';
import type { RestartCause } from './lifecycle';

/** At most this many of each are kept (the status book's own bound). */
export const HISTORY_ENTRIES = 300;
/** Restarts older than this are dropped (the tile counts 24 h). */
const DAY_MS = 24 * 3600 * 1000;
/** A health sample's detail is cut to this many characters on disk. */
const DETAIL_CHARS = 300;
/** A file larger than this is not ours (300 + 300 entries fit in ~100 KiB). */
const MAX_FILE_BYTES = 512 * 1024;

export interface History {
  restarts: Array<{ at: number; cause: RestartCause }>;
  samples: HealthEvent[];
}

const healthSchema = z
  .object({
    type: z.literal('health'),
    at: z.number().finite(),
    phase: z.enum(['startup', 'liveness']),
    ok: z.boolean(),
    result: z.enum([
      'SERVING',
      'NOT_SERVING',
      'UNKNOWN',
      'SERVICE_UNKNOWN',
      'UNIMPLEMENTED',
      'TIMEOUT',
      'UNAVAILABLE',
      'ERROR',
    ]),
    latencyMs: z.number().finite().nonnegative(),
    failures: z.number().int().nonnegative(),
    detail: z.string().max(DETAIL_CHARS).optional(),
  })
  .strict();

const historySchema = z
  .object({
    version: z.literal(1),
    restarts: z
      .array(
        z.object({ at: z.number().finite(), cause: z.enum(['crash', 'hang', 'user']) }).strict(),
      )
      .max(HISTORY_ENTRIES),
    samples: z.array(healthSchema).max(HISTORY_ENTRIES),
  })
  .strict();

/** `<state dir>/history.json`, beside the pidfile it outlives. */
export function historyFilePath(stateDir: string): string {
  return join(stateDir, 'history.json');
}

/** The newest entries within bounds (what is written, and what a read keeps). */
export function boundHistory(h: History, now = Date.now()): History {
  return {
    restarts: h.restarts.filter((r) => r.at > now - DAY_MS).slice(-HISTORY_ENTRIES),
    samples: h.samples
      .slice(-HISTORY_ENTRIES)
      .map((s) =>
        s.detail && s.detail.length > DETAIL_CHARS
          ? { ...s, detail: s.detail.slice(0, DETAIL_CHARS) }
          : s,
      ),
  };
}

/**
 * The history a previous app left; null when there is none. A file that is not one of ours (torn,
 * edited, too big) is ignored, and `log` says why: history is a nicety, never a reason to fail.
 */
export async function readHistory(file: string, log: (m: string) => void): Promise<History | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') log(`ignoring ${file}: cannot read it (${code ?? String(err)})`);
    return null;
  }
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    log(`ignoring ${file}: larger than ${MAX_FILE_BYTES} bytes, not a history this app wrote`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    log(`ignoring ${file}: not JSON; it is rewritten at the next restart or health check`);
    return null;
  }
  const r = historySchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    log(
      `ignoring ${file}: ${issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'bad shape'}; it is rewritten at the next restart or health check`,
    );
    return null;
  }
  return boundHistory(r.data as History);
}

/** Write the bounded history atomically (0600): a reader sees the old file or the new one. */
export async function writeHistory(file: string, h: History): Promise<void> {
  const b = boundHistory(h);
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, ...b })}\n`, 0o600, {
    durable: false,
  });
}
