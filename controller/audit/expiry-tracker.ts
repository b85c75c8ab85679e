import type { Role } from "../model/index.js";
import type { Commit } from "./git-history.js";
import type { MembershipState } from "./membership-diff.js";

/** A declared expiry that passed: access ended at `at`, by the date `commit` set. */
export interface Expiration {
  org: string;
  email: string;
  role: Role;
  /** Epoch ms: the declared instant, or the commit's date when it set an instant already past. */
  at: number;
  commit: Commit;
}

export interface Restored {
  org: string;
  email: string;
  role: Role;
}

interface Tracked {
  expiresAt: string;
  role: Role;
  commit: Commit;
  fired: boolean;
}

/**
 * Follows each member's `expiresAt` along the replay: which commit set the current date, and
 * whether the instant has passed. Holds one entry per member with an expiry, nothing per commit.
 */
export class ExpiryTracker {
  private readonly tracked = new Map<string, Tracked>();
  private last: MembershipState | undefined;

  /**
   * After `commit` produced `state` (the same object when nothing changed: skipped). Returns the
   * members whose access this commit restored: an expiry that had passed was moved or dropped.
   */
  observe(state: MembershipState, commit: Commit): Restored[] {
    if (state === this.last) return [];
    this.last = state;
    const restored: Restored[] = [];
    const seen = new Set<string>();
    for (const [org, members] of state) {
      for (const [email, grant] of members) {
        if (grant.expiresAt === undefined) continue;
        const key = `${org}\0${email}`;
        seen.add(key);
        const known = this.tracked.get(key);
        if (known && known.expiresAt === grant.expiresAt) {
          known.role = grant.role;
          continue;
        }
        if (known?.fired) restored.push({ org, email, role: grant.role });
        this.tracked.set(key, {
          expiresAt: grant.expiresAt,
          role: grant.role,
          commit,
          fired: false,
        });
      }
    }
    for (const [key, t] of this.tracked) {
      if (seen.has(key)) continue;
      this.tracked.delete(key);
      const [org, email] = key.split("\0") as [string, string];
      const grant = state.get(org)?.get(email);
      // Still declared, the expiry dropped: access is back. Not declared: Git's own `revoked`.
      if (t.fired && grant) restored.push({ org, email, role: grant.role });
    }
    return restored;
  }

  /** Expirations at or before `until` (epoch ms) not reported yet, in time order. */
  due(until: number): Expiration[] {
    const out: Expiration[] = [];
    for (const [key, t] of this.tracked) {
      if (t.fired) continue;
      const at = Math.max(Date.parse(t.expiresAt), Date.parse(t.commit.date));
      if (at > until) continue;
      t.fired = true;
      const [org, email] = key.split("\0") as [string, string];
      out.push({ org, email, role: t.role, at, commit: t.commit });
    }
    return out.sort((a, b) => a.at - b.at || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  }

  /** True when this member's declared access has ended (reported as expired, not moved since). */
  hasExpired(org: string, email: string): boolean {
    return this.tracked.get(`${org}\0${email}`)?.fired === true;
  }
}
