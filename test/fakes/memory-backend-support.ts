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
import { BackendError, PRECONDITION_FAILED, roleRank } from "../../controller/model/index.js";

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

/** The credential's capabilities, enforced like a Portal answering 403 (R3–R5). */
export function authorize(caps: Capabilities, call: WriteCall): void {
  const allowed = (() => {
    switch (call.action) {
      case "createOrganization":
        return caps.createOrganization;
      case "updateOrganization":
        return caps.updateOrganization;
      case "invite":
      case "resendInvite":
      case "cancelInvite":
      case "markManaged":
        return caps.invite;
      case "remove":
        return caps.remove;
      case "transferOwnership":
        return caps.transferOwnership;
      default: {
        const [from, to] = [call.from as Role, call.to as Role];
        if (from === "owner" || to === "owner") return caps.transferOwnership;
        return roleRank(to) > roleRank(from) ? caps.promoteToAdmin : caps.changeRole;
      }
    }
  })();
  if (!allowed) {
    throw new BackendError(
      "forbidden",
      `${call.action} in ${call.org}: not allowed for ${caps.actorRole}`,
    );
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
  if (record.version !== expect.version) {
    throw stale(`${what} is at version ${record.version ?? "?"}, not ${expect.version}`);
  }
}

function stale(detail: string): BackendError {
  return new BackendError(PRECONDITION_FAILED, `${detail}: someone else wrote`);
}
