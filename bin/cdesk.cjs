#!/usr/bin/env node
// cdesk: the command-line entry; the code is built into dist/ by `npm ci` (prepare) or `npm run build`.
// `cdesk daemon run` (the foreground supervisor) is one CommonJS file (dist/cli-run.cjs) loaded with
// require(): containerd waits for it, and this way Node starts no ES module loader before the
// spawn. Every other command is the ES module CLI (dist/cli.js), split so each loads only what it
// needs.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const supervisor = process.argv[2] === 'daemon' && process.argv[3] === 'run';
const entry = join(__dirname, '..', 'dist', supervisor ? 'cli-run.cjs' : 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'cdesk: not built yet; run `npm run build` in the containerd-desktop folder\n',
  );
  process.exit(1);
}
if (entry.endsWith('.cjs')) require(entry);
else import(pathToFileURL(entry).href);
