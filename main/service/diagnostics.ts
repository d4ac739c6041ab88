// Builds the plain-text diagnostics report a user attaches to a bug report.
import type { AppInfo, CommandResults } from '../../common/contract';
import type { Settings } from '../../common/settings';
import type { Engine } from '../engine/types';

const LOG_LINES = 200;

function section(title: string, body: string): string {
  return `## ${title}\n${body.trimEnd()}\n`;
}

/** App info, daemon status, settings, config preview and the last 200 log lines. */
export async function buildDiagnostics(
  engine: Engine,
  settings: Settings,
  info: AppInfo,
): Promise<string> {
  const parts = [
    `# Containerd Desktop diagnostics (${new Date().toISOString()})\n`,
    section(
      'App',
      JSON.stringify(
        { ...info, node: process.versions.node, platform: `${process.platform} ${process.arch}` },
        null,
        2,
      ),
    ),
  ];
  const guard = async (title: string, fn: () => Promise<string> | string) => {
    try {
      parts.push(section(title, await fn()));
    } catch (err) {
      parts.push(
        section(title, `(unavailable: ${err instanceof Error ? err.message : String(err)})`),
      );
    }
  };
  await guard('Status', () => JSON.stringify(engine.status(), null, 2));
  await guard('Settings', () => JSON.stringify(settings, null, 2));
  await guard('Config preview', async () => {
    const c: CommandResults['config:preview'] = await engine.configPreview();
    return `# ${c.path}${c.overridesFile ? ` (overrides: ${c.overridesFile})` : ''}\n${c.toml}`;
  });
  await guard(`Last ${LOG_LINES} log lines`, () => {
    const { lines } = engine.readLogs({ limit: LOG_LINES });
    return (
      lines
        .slice(-LOG_LINES)
        .map((l) => l.raw)
        .join('\n') || '(no log lines)'
    );
  });
  return parts.join('\n');
}
