import type { ActualOrganization, IdentityBackend } from "../../controller/model/index.js";

/** The IdentityBackend calls that change the backend. */
export const WRITE_METHODS = new Set<string>([
  "createOrganization",
  "updateOrganization",
  "invite",
  "resendInvite",
  "cancelInvite",
  "changeRole",
  "transferOwnership",
  "remove",
  "markManaged",
]);

export interface Decoration {
  /** Runs once, before the first write is sent: someone edits the Portal after the snapshot. */
  beforeFirstWrite?: () => Promise<void>;
  /** Every snapshot the controller sees (R2 is checked at every observation). */
  onSnapshot?: (org: string, snapshot: ActualOrganization | null) => void;
  /**
   * The process dies at this write (1-based): before sending it, or after it committed. From
   * then on every call of this instance hangs for ever, as calls of a killed process never
   * return; the test abandons the pass.
   */
  killAt?: { nth: number; afterCommit: boolean; onKilled: () => void };
  /**
   * Every call first yields to the event loop, as a call to another process would: two passes
   * running at once then interleave call by call instead of one finishing inside microtasks.
   */
  yieldEachCall?: boolean;
  /** Every write the backend refused (a precondition that failed, among others). */
  onWriteError?: (method: string, error: unknown) => void;
}

/**
 * A decorator at the IdentityBackend interface around a real backend (SQLite or HTTP). A Proxy,
 * so that every member of the interface (managedMarks, markManaged, capabilities, whatever the
 * interface grows) reaches the real backend unchanged unless decorated here.
 */
export function decorate(real: IdentityBackend, decoration: Decoration): IdentityBackend {
  let writes = 0;
  let killed = false;
  let pendingEdit = decoration.beforeFirstWrite;
  const hang = () => new Promise<never>(() => undefined);

  return new Proxy(real, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (prop === "close") return fn.bind(target);
      return async (...args: unknown[]) => {
        if (decoration.yieldEachCall) await new Promise((resolve) => setImmediate(resolve));
        if (killed) return hang();
        if (prop === "snapshot") {
          const snapshot = (await fn.apply(target, args)) as ActualOrganization | null;
          decoration.onSnapshot?.(args[0] as string, snapshot);
          return snapshot;
        }
        if (!WRITE_METHODS.has(prop)) return fn.apply(target, args);
        if (pendingEdit) {
          const edit = pendingEdit;
          pendingEdit = undefined;
          await edit();
        }
        writes++;
        const kill = decoration.killAt;
        if (kill && writes === kill.nth && !kill.afterCommit) {
          killed = true;
          kill.onKilled();
          return hang();
        }
        let result: unknown;
        try {
          result = await fn.apply(target, args);
        } catch (error) {
          decoration.onWriteError?.(prop, error);
          throw error;
        }
        if (kill && writes === kill.nth) {
          killed = true;
          kill.onKilled();
          return hang();
        }
        return result;
      };
    },
  });
}
