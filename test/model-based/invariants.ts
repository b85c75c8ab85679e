import type { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { ActualOrganization } from "../../controller/model/index.js";
import type { ReconcileResult } from "../../controller/reconcile/index.js";
import type { Declared } from "./model.js";
import { ownerOf } from "./model.js";
import type { Credential } from "./portal-side.js";

/** A broken invariant: the message is the whole diagnosis, the runner adds the trace. */
export class InvariantError extends Error {}

function fail(message: string): never {
  throw new InvariantError(message);
}

const SYSTEM = { kind: "system", name: "mbt-check" } as const;

/** R2 and no duplicate invitation, on any observation of one org (the store's, the controller's). */
export function checkObservation(where: string, snap: ActualOrganization | null): void {
  if (!snap) return;
  const owners = snap.members.filter((m) => m.role === "owner");
  if (owners.length !== 1) {
    fail(
      `${where}: ${snap.name} has ${owners.length} owners (R2): ${owners.map((o) => o.email).join(", ")}`,
    );
  }
  const seen = new Set<string>();
  for (const i of snap.invitations) {
    if (seen.has(i.email)) fail(`${where}: ${snap.name} holds two invitations for ${i.email}`);
    seen.add(i.email);
    if (snap.members.some((m) => m.email === i.email)) {
      fail(`${where}: ${snap.name}: ${i.email} is a member and holds an open invitation`);
    }
  }
}

/**
 * R6 at every point: a member gone from an org has its API key revoked (and not merely locked
 * out by the membership check) and the session it signed in with invalidated, even if they are
 * back since. Returns how many credentials were seen revoked for the first time.
 */
export function checkRevocations(store: PortalStore, credentials: Credential[]): number {
  let newlyRevoked = 0;
  for (const c of credentials) {
    const snap = store.snapshot(c.org);
    const active = snap?.members.some((m) => m.email === c.email) ?? false;
    if (!active && !c.mustBeRevoked) newlyRevoked++;
    if (!active) c.mustBeRevoked = true;
    if (!c.mustBeRevoked) continue;
    const key = store.listApiKeys(SYSTEM, c.org).find((k) => k.id === c.keyId);
    if (!key?.revokedAt) fail(`R6: ${c.email} left ${c.org} but API key ${c.keyId} is not revoked`);
    if (store.authenticateApiKey(c.key) !== null) {
      fail(`R6: ${c.email} left ${c.org} but their API key still authenticates`);
    }
    if (store.authenticateSession(c.session) !== null) {
      fail(`R6: ${c.email} left ${c.org} but their session is still valid`);
    }
  }
  return newlyRevoked;
}

/** Steps of a pass that no user could act on: the collision of issue 11, failure 2. */
export function checkNoKeyCollision(where: string, result: ReconcileResult): void {
  for (const org of result.orgs) {
    for (const r of org.results) {
      if (/idempotency key/i.test(r.error?.message ?? "")) {
        fail(`${where}: ${r.step.action} ${r.step.email ?? r.step.org}: ${r.error?.message}`);
      }
    }
  }
}

/** A pass with nobody else writing: every org synced, no step failed. */
export function checkCleanPass(where: string, result: ReconcileResult): void {
  if (result.sourceError) fail(`${where}: source error ${result.sourceError.message}`);
  const errors = result.issues.filter((i) => i.severity === "error");
  if (errors.length > 0)
    fail(`${where}: source invalid: ${errors.map((i) => i.message).join("; ")}`);
  for (const org of result.orgs) {
    const failed = org.results.filter((r) => r.result === "failed");
    if (org.status !== "synced" || failed.length > 0) {
      fail(
        `${where}: ${org.org} is ${org.status}${org.error ? ` (${org.error.message})` : ""}; failed: ${failed
          .map((r) => `${r.step.action} ${r.step.email ?? ""}: ${r.error?.message}`)
          .join("; ")}`,
      );
    }
  }
}

/**
 * The backend equals the declared state. Every declared member is active with the declared role
 * or holds a pending invitation with it; nobody else is there but records the Portal made that
 * Roster never saw declared (`unmanaged: report` leaves them alone). One exception, R5: while the declared owner has not accepted, the
 * current owner stays owner and the transfer is reported as blocked.
 */
export function checkConverged(
  store: PortalStore,
  declared: Declared,
  dryRun: ReconcileResult,
  mayStay: (org: string, email: string) => boolean,
): void {
  const steps = dryRun.plan?.steps ?? [];
  if (steps.length > 0) {
    fail(
      `the next plan is not empty: ${steps.map((s) => `${s.action} ${s.org} ${s.email ?? ""}`).join("; ")}`,
    );
  }
  for (const org of declared) {
    const snap = store.snapshot(org.name);
    if (!snap) fail(`${org.name} was never created`);
    checkObservation("converged", snap);
    if (snap.settings.displayName !== org.displayName) {
      fail(
        `${org.name}: displayName is "${snap.settings.displayName}", declared "${org.displayName}"`,
      );
    }
    const declaredOwner = ownerOf(org);
    const actualOwner = snap.members.find((m) => m.role === "owner")!.email;
    const ownerActive = snap.members.some((m) => m.email === declaredOwner);
    if (ownerActive && actualOwner !== declaredOwner) {
      fail(`${org.name}: owner is ${actualOwner}, declared ${declaredOwner} (an active member)`);
    }
    if (!ownerActive) {
      if (!snap.invitations.some((i) => i.email === declaredOwner && i.status === "pending")) {
        fail(`${org.name}: declared owner ${declaredOwner} is neither a member nor invited`);
      }
      const blocked = dryRun.plan?.blocked ?? [];
      if (!blocked.some((b) => b.org === org.name && b.email === declaredOwner)) {
        fail(`${org.name}: the transfer to ${declaredOwner} is not reported as blocked`);
      }
    }
    for (const [email, role] of Object.entries(org.members)) {
      if (email === declaredOwner || email === actualOwner) continue;
      const member = snap.members.find((m) => m.email === email);
      const invitation = snap.invitations.find((i) => i.email === email);
      if (member && member.role !== role) {
        fail(`${org.name}: ${email} is ${member.role}, declared ${role}`);
      }
      if (!member && invitation?.status !== "pending") {
        fail(`${org.name}: ${email} (declared ${role}) is neither a member nor invited`);
      }
      if (!member && invitation && invitation.role !== role) {
        fail(`${org.name}: ${email} is invited as ${invitation.role}, declared ${role}`);
      }
    }
    const stray = [
      ...snap.members.map((m) => m.email).filter((e) => e !== actualOwner),
      ...snap.invitations.map((i) => i.email),
    ].filter((e) => !(e in org.members) && !mayStay(org.name, e));
    if (stray.length > 0) {
      fail(`${org.name}: ${stray.join(", ")} not declared but still there (Roster manages them)`);
    }
  }
}

/**
 * `unmanaged: report`: a member the Portal added and Roster never saw declared stays, whatever
 * the passes did. Roster leaves their open invitation alone too (docs/plan.md, "Invitations the
 * source does not declare"), though the Portal side may cancel it; once they accepted, they are a
 * member and are kept. `wasMember` holds, per
 * org, who was such a member at the previous observation; gone records are forgotten.
 */
export function checkUnmanagedKept(
  store: PortalStore,
  unmanaged: Map<string, Set<string>>,
  wasMember: Set<string>,
): void {
  for (const [org, emails] of unmanaged) {
    const snap = store.snapshot(org);
    for (const email of [...emails]) {
      const id = `${org} ${email}`;
      const member = snap?.members.some((m) => m.email === email) ?? false;
      const invited = snap?.invitations.some((i) => i.email === email) ?? false;
      if (!member && wasMember.has(id)) {
        fail(`${org}: Roster removed ${email}, which it never managed (unmanaged: report)`);
      }
      if (member) wasMember.add(id);
      if (!member && !invited) emails.delete(email);
    }
  }
}
