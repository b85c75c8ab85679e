import type { InvitableRole, Role } from "../../controller/model/index.js";

/**
 * The model of the model-based test: what the source declares, one or two organizations over a
 * small pool of addresses (so the same person is added, removed, re-added and collides with
 * invitations often), with exactly one owner each.
 */
export const ORGS = ["acme", "beta"] as const;
export const POOL = ["ann@ex.io", "bob@ex.io", "cat@ex.io", "dan@ex.io", "eve@ex.io"] as const;
export const DISPLAY_NAMES = ["Acme Inc.", "Acme Labs", "Acme Group"] as const;

export interface DeclaredOrg {
  name: string;
  displayName: string;
  /** email → role; exactly one owner. */
  members: Record<string, Role>;
}

export type Declared = DeclaredOrg[];

export function cloneDeclared(declared: Declared): Declared {
  return declared.map((o) => ({ ...o, members: { ...o.members } }));
}

export function ownerOf(org: DeclaredOrg): string {
  const owners = Object.entries(org.members).filter(([, r]) => r === "owner");
  if (owners.length !== 1) throw new Error(`model broke R2 in ${org.name}: ${owners.length}`);
  return owners[0]![0];
}

/**
 * The source file of one org, rendered deterministically (sorted members): the same declared
 * content gives the same bytes, so reverting the source gives the same revision as before.
 * `unmanaged: report` — nothing is removed for being undeclared alone: a member deleted from Git
 * goes only because the backend remembers that Roster manages them.
 */
export function renderOrg(org: DeclaredOrg): string {
  const lines = [
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: Organization",
    "metadata:",
    `  name: ${org.name}`,
    "spec:",
    `  displayName: ${org.displayName}`,
    "  unmanaged: report",
    "  safety: { maxRemovals: 100 }",
  ];
  for (const email of Object.keys(org.members).sort()) {
    lines.push(
      "---",
      "apiVersion: roster.workjet.io/v1alpha1",
      "kind: Member",
      "metadata:",
      `  name: ${org.name}-${email.replace(/@.*/, "")}`,
      "spec:",
      `  organization: ${org.name}`,
      `  email: ${email}`,
      `  role: ${org.members[email]}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Picks among a list by a generated index; undefined when the list is empty. */
export function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** An edit someone makes in the Portal, behind Roster's back (as the org's owner would). */
export type PortalEdit =
  | { kind: "role"; org: number; pick: number; role: InvitableRole }
  | { kind: "remove"; org: number; pick: number }
  | { kind: "cancel"; org: number; pick: number }
  | { kind: "transfer"; org: number; pick: number }
  | { kind: "settings"; org: number }
  /** The owner invites someone in the Portal: a record Roster did not make and does not manage. */
  | { kind: "invite"; org: number; email: number; role: InvitableRole }
  /** A pending invitee accepts (and signs in: a session and an API key to revoke later). */
  | { kind: "accept"; org: number; pick: number };

export type SourceEdit =
  | { kind: "setMember"; org: number; email: number; role: InvitableRole }
  | { kind: "removeMember"; org: number; email: number }
  | { kind: "transferInSource"; org: number; email: number; oldOwnerRole: InvitableRole }
  | { kind: "displayName"; org: number; name: number }
  /** The whole source back to an earlier content: its revision repeats. */
  | { kind: "revert"; back: number };

export type Command =
  | { kind: "source"; edit: SourceEdit }
  | { kind: "portal"; edit: PortalEdit }
  | { kind: "apply" }
  /** A pass with a Portal edit made after its snapshot, before its first write. */
  | { kind: "applyDuring"; edit: PortalEdit }
  /** Two passes at once, different actors, separate backend instances on the same store. */
  | { kind: "concurrent" }
  /** A pass whose process dies at its nth write (before the write or after it committed). */
  | { kind: "crash"; nth: number; afterCommit: boolean }
  /** HTTP: the proxy drops the answer of the nth POST, PATCH and DELETE after the server committed. */
  | { kind: "lostResponse"; nth: number };

export interface Scenario {
  orgCount: 1 | 2;
  /** The first pass on the empty backend: alone, or two writers creating everything at once. */
  firstPass: "apply" | "concurrent";
  /** Everyone invited by the first pass accepts before the commands start. */
  acceptAll: boolean;
  initial: Declared;
  commands: Command[];
}

export function describeCommand(c: Command): string {
  switch (c.kind) {
    case "source":
    case "portal":
      return `${c.kind} ${JSON.stringify(c.edit)}`;
    case "applyDuring":
      return `applyDuring ${JSON.stringify(c.edit)}`;
    case "crash":
      return `crash at write ${c.nth}${c.afterCommit ? " after commit" : " before it"}`;
    case "lostResponse":
      return `lostResponse of write ${c.nth} of each method`;
    default:
      return c.kind;
  }
}
