/** Types and pure rules of the in-memory test backend (memory-backend.ts). */
import type {
  ActualMember,
  Capabilities,
  InvitableRole,
  OrgSettings,
  Precondition,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";
import type { PolicyChange } from "../../controller/model/index.js";
import {
  BackendError,
  PRECONDITION_FAILED,
  changedSettings,
  decide,
  settingChange,
} from "../../controller/model/index.js";

export interface WriteCall {
  action: string;
  org: string;
  email?: string;
  role?: Role;
  from?: string;
  to?: string;
}

export interface WriteRecord extends WriteCall {
  outcome: WriteOutcome | "failed";
  ctx?: WriteContext;
}

export interface MailRecord {
  org: string;
  email: string;
  role: InvitableRole;
  kind: "invite" | "resend";
}

export interface Fault {
  matches: (call: WriteCall) => boolean;
  error: Error;
  afterCommit: boolean;
  remaining: number;
}

export interface Invitation {
  role: InvitableRole;
  sentAt: string;
  expiresAt: string;
  version: string;
  managed: boolean;
}

export interface OrgState {
  settings: OrgSettings;
  settingsVersion: string;
  members: Map<string, ActualMember>;
  invitations: Map<string, Invitation>;
  domainUsers?: Set<string>;
  ownerHistory: number[];
}

/**
 * The credential's authority, enforced like a Portal answering 403: the policy
 * (model/policy.ts) is asked about the write, with the organization's settings before it.
 */
export function authorize(
  caps: Capabilities,
  call: WriteCall,
  before?: OrgSettings,
  after?: OrgSettings,
): void {
  const changes: PolicyChange[] = (() => {
    switch (call.action) {
      case "createOrganization":
        return [{ kind: "createOrganization", owner: call.email ?? "" } as const];
      case "updateOrganization": {
        if (!after || !before) return [];
        return changedSettings(after, before).map((name) => settingChange(name, after));
      }
      case "invite":
      case "resendInvite":
        return [{ kind: "invite", role: (call.role ?? "member") as InvitableRole } as const];
      case "cancelInvite":
        return [{ kind: "cancelInvite" } as const];
      case "markManaged":
        return [{ kind: "markManaged" } as const];
      case "remove":
        return [{ kind: "remove", role: call.role ?? "member" } as const];
      case "transferOwnership":
        return [{ kind: "transferOwnership" } as const];
      default:
        return [{ kind: "changeRole", from: call.from as Role, to: call.to as Role } as const];
    }
  })();
  const actor =
    caps.identity === undefined
      ? { role: caps.actorRole }
      : { role: caps.actorRole, identity: caps.identity };
  for (const change of changes) {
    const decision = decide(actor, change);
    if (!decision.allowed) {
      throw new BackendError("forbidden", `${call.action} in ${call.org}: ${decision.message}`);
    }
  }
}

export function ownerCount(state: OrgState): number {
  let n = 0;
  for (const m of state.members.values()) if (m.role === "owner") n++;
  return n;
}

/**
 * The store's precondition check (controller/adapters/backends/sqlite/preconditions.ts), on a
 * record of this fake: `absent` wants no record, `version` the one the caller saw.
 */
export function checkExpect(
  expect: Precondition | undefined,
  record: { version?: string } | undefined,
  what: string,
): void {
  if (expect === undefined) return;
  if ("absent" in expect) {
    if (record !== undefined) throw stale(`${what} exists now`);
    return;
  }
  if (record === undefined) throw stale(`${what} is gone`);
  if ("present" in expect) return;
  if (record.version !== expect.version) {
    throw stale(`${what} is at version ${record.version ?? "?"}, not ${expect.version}`);
  }
}

function stale(detail: string): BackendError {
  return new BackendError(PRECONDITION_FAILED, `${detail}: someone else wrote`);
}
