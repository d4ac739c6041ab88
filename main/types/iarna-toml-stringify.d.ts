// @iarna/toml ships types for its index only; its writer alone (config.ts imports just that half,
// bundled into `cdesk run`) is the same function as the index's `stringify`.
declare module '@iarna/toml/stringify.js' {
  import type { stringify } from '@iarna/toml';
  const stringifyToml: typeof stringify;
  export = stringifyToml;
}
