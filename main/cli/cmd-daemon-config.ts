// `cdesk daemon config`: print the containerd config TOML the app generates from the current settings.
import { replyCommand } from './reply-command';

const USAGE = `usage: cdesk daemon config [--json]

Print the containerd config (TOML) the app runs containerd with, generated from the current
settings and the overrides file. With --json: {toml, path, overridesFile}.
`;

export const run = replyCommand({
  name: 'daemon config',
  usage: USAGE,
  command: 'config:preview',
  escape: false,
  text: (v) => (v.toml.endsWith('\n') ? v.toml : `${v.toml}\n`),
});
