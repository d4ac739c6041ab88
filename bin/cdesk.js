#!/usr/bin/env node
// cdesk: the command-line entry; the code is built into dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'cdesk: not built yet; run `npm run build` in the containerd-desktop folder\n',
  );
  process.exit(1);
}
await import(entry.href);
