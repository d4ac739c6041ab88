#!/usr/bin/env -S node --
// cdesk: the command-line entry; the code is built into dist/ by `npm ci` (prepare) or `npm run build`.
// `cdesk daemon run` (the foreground supervisor) is one CommonJS file (dist/cli-run.cjs) loaded with
// require(): containerd waits for it, and this way Node starts no ES module loader before the
// spawn. `cdesk run` and `cdesk exec`, timed end to end against ctr's, are one CommonJS file too
// (dist/cli-container.cjs). Every other command (and those two after a global -H) is the ES module
// CLI (dist/cli.js), split so each loads only what it needs. The -- on the #! line: Node 20 takes an
// --env-file anywhere on its command line as its own (docker's `run --env-file` must reach us).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const [verb, sub] = process.argv.slice(2);
const file =
  verb === 'daemon' && sub === 'run'
    ? 'cli-run.cjs'
    : verb === 'run' || verb === 'exec'
      ? 'cli-container.cjs'
      : 'cli.js';
const entry = join(__dirname, '..', 'dist', file);
if (!existsSync(entry)) {
  process.stderr.write(
    'cdesk: not built yet; run `npm run build` in the containerd-desktop folder\n',
  );
  process.exit(1);
}
if (entry.endsWith('.cjs')) require(entry);
else import(pathToFileURL(entry).href);
