// The one list of log levels: the type, the zod enum, severity order, containerd's own levels, UI and CLI choices all derive from it.
import * as z from 'zod';
import { LOG_LEVELS } from './log-level-names';

// The plain parts live in log-level-names.ts: the engine's log parser and the log filter need
// only those.
export * from './log-level-names';

/** Runtime schema for a level (the contract's logs:read `level`). */
export const logLevelSchema = z.enum(LOG_LEVELS);
