// Errors that carry a code from the closed list and a next step, and the one conversion of any error to contract data.
import type { ContractError, ErrorCode, Result } from '../../common/contract';
import type { FieldError } from '../../common/settings';

/** An error with a machine code and a next step for the user (EngineError and InsideError extend it). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly fields?: FieldError[];
  constructor(
    code: ErrorCode,
    message: string,
    hint: string,
    options?: { cause?: unknown; fields?: FieldError[] },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.hint = hint;
    if (options?.fields) this.fields = options.fields;
  }
}

/** Any thrown value as a ContractError; unknown errors become 'internal' (details go to the app log). */
export function toContractError(err: unknown): ContractError {
  if (err instanceof AppError) {
    const out: ContractError = { code: err.code, message: err.message, hint: err.hint };
    if (err.fields) out.fields = err.fields;
    return out;
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: `internal error: ${message}`,
    hint: 'This is a bug in Containerd Desktop; check the app log for details and report it.',
  };
}

/**
 * A handler's one answer even when it throws or rejects (a bug there: handlers answer errors as
 * data): every transport (IPC, control socket, WebSocket) answers each request exactly once.
 */
export async function answerOnce<T>(
  run: () => Promise<Result<T>>,
  onBug?: (err: unknown) => void,
): Promise<Result<T>> {
  try {
    return await run();
  } catch (err) {
    onBug?.(err);
    return { ok: false, error: toContractError(err) };
  }
}
