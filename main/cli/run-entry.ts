// `cdesk daemon run` as its own CommonJS bundle (dist/cli-run.cjs, which bin/cdesk.cjs requires):
// the one command whose start-up delays containerd. One CommonJS file spares Node's ES module
// loader and its per-module round trips before the spawn, ~10–15 ms of a launch; the code is the
// same cmd-daemon-run.ts every other build uses.
import * as cmdRun from './cmd-daemon-run';
import { runCommand } from './command';

void runCommand('daemon run', () => Promise.resolve(cmdRun), process.argv.slice(4)).then((code) => {
  process.exitCode = code;
});
