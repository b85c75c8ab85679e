import { createHash } from "node:crypto";
import type { ActualOrganization } from "../model/index.js";
import type { Step } from "../plan/types.js";

/**
 * The key a backend uses to recognise a repeated write (WriteContext.idempotencyKey).
 *
 * It covers the source revision and what the step does (org, action, email, role, from, to) —
 * so a retry, or a re-run of the same plan after a crash, carries the same key and the backend
 * answers `noop` instead of sending a second invite. It also covers the before-state the plan
 * saw for that email (`before`): with a folder or an idle Git source the revision stays the same
 * for hours, and a legitimate repeat of the same write (re-adding someone the Portal removed by
 * hand, resending an invite that expired again) must not be mistaken for a duplicate.
 */
export function idempotencyKey(revision: string, step: Step, before: string): string {
  const fields = [
    revision,
    step.org,
    step.action,
    step.email ?? "",
    step.role ?? "",
    step.from ?? "",
    step.to ?? "",
    before,
  ];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

/** Indexes an observed organization so the before-state of any email is found in O(1). */
export class BeforeState {
  private readonly records = new Map<string, string>();
  private readonly orgState: string;

  constructor(actual: ActualOrganization | null | undefined) {
    if (!actual) {
      this.orgState = "org:absent";
      return;
    }
    this.orgState = `org:${JSON.stringify(actual.settings)}`;
    for (const m of actual.members) this.records.set(m.email, `member:${m.role}:${m.since}`);
    for (const i of actual.invitations) {
      // An email may be both a member and invited only in a corrupt store; the member wins.
      if (!this.records.has(i.email)) {
        this.records.set(i.email, `invitation:${i.role}:${i.status}:${i.sentAt}:${i.expiresAt}`);
      }
    }
  }

  of(step: Step): string {
    switch (step.action) {
      case "createOrganization":
      case "updateOrganization":
        return this.orgState;
      case "transferOwnership":
        return `${this.lookup(step.from)}|${this.lookup(step.to)}`;
      default:
        return this.lookup(step.email);
    }
  }

  private lookup(email: string | undefined): string {
    return email === undefined ? "" : (this.records.get(email) ?? "absent");
  }
}
