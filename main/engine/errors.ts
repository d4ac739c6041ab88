// Engine errors that carry a machine code and a hint telling the user what to do next.
import { AppError } from '../shared/app-error';

/** Codes for errors that the engine reports; `failed`-state codes need the user to act. */
export type EngineErrorCode =
  | 'binary-missing'
  | 'binary-not-executable'
  | 'binary-is-directory'
  | 'config-invalid'
  | 'overrides-invalid'
  | 'socket-path-too-long'
  | 'state-dir'
  | 'pidfile-write'
  | 'spawn-failed'
  | 'startup-timeout'
  | 'crash-loop'
  | 'busy'
  | 'internal';

/** An error with a code and a next step for the user (“hint”). */
export class EngineError extends AppError {
  declare readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = 'EngineError';
  }
}
