import { HttpBackend } from "../adapters/backends/http/backend.js";
import { resolveToken } from "../adapters/backends/http/token.js";
import type { ControllerState, IdentityBackend } from "../model/index.js";
import { BackendError } from "../model/index.js";
import { UsageError } from "./errors.js";

export interface HttpBackendFlags {
  /** `--token-file FILE`; otherwise `ROSTER_TOKEN`. */
  tokenFile?: string;
}

/**
 * `--backend http(s)://HOST`: the Portal team API (`roster serve` or the real Portal). The
 * token is read before anything is opened, and the controller state — which the server does
 * not hold — goes to a local file (`openState`, `.roster/state.db` by default).
 */
export async function openHttpBackend(
  uri: string,
  flags: HttpBackendFlags,
  openState: () => ControllerState,
): Promise<{ backend: IdentityBackend; state: ControllerState; close(): Promise<void> }> {
  let backend: HttpBackend;
  try {
    const token = await resolveToken({ tokenFile: flags.tokenFile, env: process.env });
    backend = new HttpBackend({ baseUrl: uri, token });
  } catch (error) {
    if (error instanceof BackendError) throw new UsageError(error.message);
    throw error;
  }
  const state = openState();
  return {
    backend,
    state,
    close: async () => {
      await backend.close();
      await state.close();
    },
  };
}
