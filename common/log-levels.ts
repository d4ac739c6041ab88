// The one list of log levels: the type, the zod enum, severity order, containerd's own levels, UI and CLI choices all derive from it.
import { z } from 'zod';
import { LOG_LEVELS } from './log-level-names';

// The plain parts live in log-level-names.ts, so code on `cdesk run`'s cold path (the engine's
// log parser, the settings table) needs no zod before containerd is spawned (issue 8).
export * from './log-level-names';

/** Runtime schema for a level (the contract's logs:read `level`). */
export const logLevelSchema = z.enum(LOG_LEVELS);
