// `cdesk logout REGISTRY`: its implementation lives beside login's.
import { runLogout } from './cmd-login';

export const run = (argv: string[]) => runLogout(argv);
