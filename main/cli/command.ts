// Running one command module: what `cdesk NAME` does once the module is loaded, for both entries
// (main.ts, the ES module CLI, and run-entry.ts, `cdesk daemon run`'s own CommonJS bundle).
import { UsageError } from './args';

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

/** The command's exit code; a usage error is printed with the way to the command's help (exit 2). */
export async function runCommand(
  name: string,
  load: () => Promise<CommandModule>,
  argv: string[],
): Promise<number> {
  try {
    return await (await load()).run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `cdesk ${name}: ${err.message}\nRun \`cdesk ${name} --help\` for usage.\n`,
      );
      return 2;
    }
    throw err;
  }
}
