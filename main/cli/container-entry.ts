// `cdesk run` and `cdesk exec` as their own CommonJS bundle (dist/cli-container.cjs, which
// bin/cdesk.cjs requires): the two verbs users time against ctr's. One file spares Node's ES module
// loader its per-chunk round trips; the code is the same cmd-run.ts / cmd-exec.ts the ES module CLI
// loads (it still does after a global -H, which main.ts takes off first).
import * as cmdExec from './cmd-exec';
import * as cmdRun from './cmd-run';
import { runCommand } from './command';

const verb = process.argv[2] === 'exec' ? 'exec' : 'run';
const command = verb === 'exec' ? cmdExec : cmdRun;
void runCommand(verb, () => Promise.resolve(command), process.argv.slice(3)).then((code) => {
  process.exitCode = code;
});
