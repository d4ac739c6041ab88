// Plugin errors every stock containerd shows that mean nothing to a developer: one rule for the CLI,
// the problem list and the window, so a plugin is never a problem in one and fine in another.
import type { PluginInfo } from './containerd';

/** Why `p`'s skip or error is normal (a sentence), or null when it may be a real problem. */
export function expectedPluginNoise(p: PluginInfo): string | null {
  if (p.status === 'skip') return 'skipped: not used on this machine';
  // devmapper only works once a thin pool is configured; unconfigured is its normal state.
  if (p.id === 'devmapper' && /not configured/.test(p.initError ?? ''))
    return 'expected: devmapper works only once a thin pool is configured';
  return null;
}
