// Platforms (`linux/amd64`, `linux/arm64/v8`): parsing `--platform` and picking an index's manifest.
import { hostPlatform } from '../image-size';
import { AppError } from '../../shared/app-error';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const PART = /^[a-z0-9_.-]{1,32}$/;

export const formatPlatform = (p: Platform) =>
  [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** `os/arch[/variant]`; empty or undefined means the host's. */
export function parsePlatform(text: string | undefined): Platform {
  if (!text) return hostPlatform();
  const parts = text.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p)))
    throw new AppError(
      'bad-payload',
      `platform ${JSON.stringify(text.slice(0, 100))} is not os/architecture[/variant]`,
      'Write it like linux/amd64 or linux/arm64/v8.',
    );
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  // arm64's variant is v8 unless said otherwise (containerd's normalisation).
  if (architecture === 'arm64' && !variant) return { os, architecture, variant: 'v8' };
  return variant ? { os, architecture, variant } : { os, architecture };
}

function matches(d: IndexEntry, want: Platform): boolean {
  const p = d.platform;
  if (!p) return false;
  if (p.os !== want.os || p.architecture !== want.architecture) return false;
  if (!want.variant || !p.variant) return true;
  return p.variant === want.variant;
}

/** The index's first manifest for the platform; a clear error listing what it has otherwise. */
export function pickManifest(manifests: IndexEntry[], want: Platform, what: string): IndexEntry {
  const hit = manifests.find((d) => matches(d, want));
  if (hit) return hit;
  const have = manifests
    .map((d) => (d.platform ? formatPlatform(d.platform as Platform) : null))
    .filter((p): p is string => p !== null && p !== 'unknown/unknown');
  throw new AppError(
    'registry-error',
    `${what} has no image for ${formatPlatform(want)}${have.length ? `; it has ${[...new Set(have)].join(', ')}` : ''}`,
    have.length
      ? `Pull one of those with --platform (it will not run here unless the host emulates it).`
      : 'The image was not built for this platform.',
  );
}
