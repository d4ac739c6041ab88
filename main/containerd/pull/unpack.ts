// Chain ids: the names of an image's unpacked snapshots (the OCI image spec's ChainID).
import { createHash } from 'node:crypto';

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(
      prev === undefined
        ? d
        : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`,
    );
  }
  return out;
}
