// `cdesk daemon config`: print the containerd config TOML the app generates from the current settings.
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';

const USAGE = `usage: cdesk daemon config [--json]

Print the containerd config (TOML) the app runs containerd with, generated from the current
settings and the overrides file. With --json: {toml, path, overridesFile}.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  return withClient('daemon config', p.flags, io, async (c) => {
    const r = await c.invoke('config:preview', {});
    if (!r.ok) return reportFailure('daemon config', r.error, p.flags, io);
    if (p.flags.json) io.out(`${JSON.stringify(r.value, null, 2)}\n`);
    else io.out(r.value.toml.endsWith('\n') ? r.value.toml : `${r.value.toml}\n`);
    return EXIT.ok;
  });
}
