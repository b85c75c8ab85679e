import type { ActualOrganization, Role } from "../model/index.js";
import { normalizeEmail } from "../model/index.js";
import type { Step } from "./types.js";

/**
 * Is a change of the owner count from `before` to `after` acceptable (R2)? Exactly one is always
 * fine; otherwise the count must not change away from one. A backend that starts broken (Google
 * groups with no owner or several) may only move towards one; a write that leaves an org with 0 or
 * 2+ owners where it had one is refused. Shared with the in-memory test backend.
 */
export function ownerCountChangeOk(before: number, after: number): boolean {
  if (after === 1 || after === before) return true;
  return Math.abs(after - 1) < Math.abs(before - 1);
}

/**
 * Replays one organization's steps, in plan order, on its actual members and returns why the
 * sequence would break R2 at some point, or undefined when every intermediate state is fine.
 */
export function simulateOwners(
  actual: ActualOrganization | null,
  steps: readonly Step[],
): string | undefined {
  // Only the emails the steps touch need a role; the rest only count towards the owners.
  // (Indexing all 100k members here would double the planner's cost for a ~1% plan.)
  const touched = new Set<string>();
  for (const s of steps) {
    if (s.action === "transferOwnership") {
      touched.add(s.from).add(s.to);
    } else if (s.action === "changeRole" || s.action === "remove") {
      touched.add(s.email);
    }
  }
  const roles = new Map<string, Role>();
  let owners = 0;
  for (const m of actual?.members ?? []) {
    if (m.role === "owner") owners++;
    if (touched.size === 0) continue;
    const email = normalizeEmail(m.email);
    if (touched.has(email)) roles.set(email, m.role);
  }
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    const before = owners;
    switch (step.action) {
      case "createOrganization":
        roles.set(step.email, "owner");
        owners++;
        break;
      case "transferOwnership": {
        const { from, to } = step;
        if (roles.get(from) !== "owner")
          return `step ${i + 1}: transfer from ${from}, who is not an owner`;
        const toRole = roles.get(to);
        if (toRole === undefined)
          return `step ${i + 1}: transfer to ${to}, who is not an active member (R5)`;
        roles.set(from, "admin");
        roles.set(to, "owner");
        owners += toRole === "owner" ? -1 : 0;
        break;
      }
      case "changeRole": {
        const { email, to } = step;
        const was = roles.get(email);
        if (was === undefined)
          return `step ${i + 1}: role change of ${email}, who is not an active member`;
        roles.set(email, to);
        owners += (to === "owner" ? 1 : 0) - (was === "owner" ? 1 : 0);
        break;
      }
      case "remove":
        if (roles.get(step.email) === "owner") owners--;
        roles.delete(step.email);
        break;
      default:
        break;
    }
    if (!ownerCountChangeOk(before, owners)) {
      return `step ${i + 1} (${describe(step)}) would leave ${step.org} with ${owners} owners`;
    }
  }
  return undefined;
}

function describe(step: Step): string {
  if (step.action === "transferOwnership") return `transferOwnership ${step.from} → ${step.to}`;
  if (step.action === "changeRole") return `changeRole ${step.email} ${step.from} → ${step.to}`;
  return `${step.action} ${step.email ?? step.org}`;
}
