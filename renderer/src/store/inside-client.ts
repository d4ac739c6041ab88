// A typed view of the contract client for the inside-containerd commands, usable before and after RPC spreads them in.
import type { ContractClient, ContractError, Result } from '../../../common/contract';
import type {
  InsideCommandResults,
  insideCommandSchemas,
} from '../../../common/containerd-commands';
import type { z } from 'zod';

export type InsideCommand = keyof InsideCommandResults;
export type InsidePayload<C extends InsideCommand> = z.infer<(typeof insideCommandSchemas)[C]>;

/** Any event as it arrives (the contract's events plus containerd:events / inside:status). */
export interface LooseEvent {
  event: string;
  payload: unknown;
}

/** The two calls the inside store needs; a ContractClient satisfies it structurally. */
export interface LooseClient {
  invoke(name: string, payload: unknown): Promise<Result<unknown>>;
  subscribe(listener: (e: LooseEvent) => void): () => void;
}

/** Widen a ContractClient: its command names are a subset of strings until the contract lists ours. */
export function looseClient(client: ContractClient | LooseClient): LooseClient {
  return client as unknown as LooseClient;
}

function thrownError(name: string, e: unknown): ContractError {
  return {
    code: 'transport-failed',
    message: `${name} failed: ${e instanceof Error ? e.message : String(e)}`,
    hint: 'check that Containerd Desktop is still running, then try again',
  };
}

/** Invoke an inside command; a thrown transport error comes back as a failed Result. */
export async function callInside<C extends InsideCommand>(
  client: LooseClient,
  name: C,
  payload: InsidePayload<C>,
): Promise<Result<InsideCommandResults[C]>> {
  try {
    return (await client.invoke(name, payload)) as Result<InsideCommandResults[C]>;
  } catch (e) {
    return { ok: false, error: thrownError(name, e) };
  }
}

/** Invoke any other command by name (daemon:status, daemon:start, settings:set). */
export async function callOther<T>(
  client: LooseClient,
  name: string,
  payload: unknown,
): Promise<Result<T>> {
  try {
    return (await client.invoke(name, payload)) as Result<T>;
  } catch (e) {
    return { ok: false, error: thrownError(name, e) };
  }
}
