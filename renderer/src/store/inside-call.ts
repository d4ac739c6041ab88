// One contract call from the inside store: a transport that throws comes back as a failed Result, like any other failure.
import type {
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  Result,
} from '../../../common/contract';

export async function call<C extends CommandName>(
  client: ContractClient,
  name: C,
  payload: CommandPayload<C>,
): Promise<Result<CommandResults[C]>> {
  try {
    return await client.invoke(name, payload);
  } catch (e) {
    return {
      ok: false,
      error: {
        code: 'transport-failed',
        message: `${name} failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'check that Containerd Desktop is still running, then try again',
      },
    };
  }
}
