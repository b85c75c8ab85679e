/**
 * Random desired/actual pairs for the planner's property test, from a seeded PRNG (mulberry32:
 * tiny, no dependency, the same sequence on every machine).
 */
import type {
  ActualInvitation,
  ActualMember,
  ActualOrganization,
  DesiredMember,
  DesiredOrganization,
  OrgSettings,
  Role,
} from "../../controller/model/index.js";
import { defaultOrgPolicy, defaultOrgSettings } from "../../controller/model/index.js";

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)] as T;

export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export const NOW = new Date("2026-03-01T00:00:00.000Z");
const DAY = 86400_000;

export interface GeneratedOrg {
  desired: DesiredOrganization;
  /** null: the backend does not have the org yet. */
  actual: ActualOrganization | null;
  managed: Set<string>;
}

const POOL = [
  "u0@acme.com",
  "u1@acme.com",
  "u2@acme.com",
  "u3@acme.com",
  "u4@acme.com",
  "u5@acme.com",
  "u6@acme.com",
  "x0@ext.org",
  "x1@ext.org",
  "x2@ext.org",
];

/** One organization: random roles, 0/1/2 owners, pending and expired invites, managed set, R8. */
export function generateOrg(rng: Rng, name: string): GeneratedOrg {
  const settings: OrgSettings = {
    ...defaultOrgSettings(name),
    domains: ["acme.com"],
    autoProvisioning: { enabled: rng() < 0.4, role: pick(rng, ["member", "admin"] as const) },
  };
  const policy = {
    ...defaultOrgPolicy(),
    unmanaged: pick(rng, ["remove", "report"] as const),
  };

  const roles = new Map<string, Role>();
  for (const email of POOL) if (rng() < 0.5) roles.set(email, pick(rng, ["member", "admin"]));
  const active = [...roles.keys()];
  const ownerDraw = rng();
  if (ownerDraw < 0.8) {
    roles.set(active.length > 0 && rng() < 0.9 ? pick(rng, active) : pick(rng, POOL), "owner");
  } else if (ownerDraw < 0.9 && active.length >= 2) {
    // A Google group may hold several owners; Roster repairs it to one.
    const [a, b] = shuffle(rng, [...active]);
    roles.set(a as string, "owner");
    roles.set(b as string, "owner");
  } // else: no owner at all (a Google group made of managers and members)

  const members: ActualMember[] = [...roles].map(([email, role]) => ({
    email,
    role,
    since: new Date(NOW.getTime() - 30 * DAY).toISOString(),
    ...(role !== "owner" && email.endsWith("@acme.com") && rng() < 0.3
      ? { autoProvisioned: true }
      : {}),
  }));
  const invitations: ActualInvitation[] = [];
  for (const email of POOL) {
    if (roles.has(email) || rng() >= 0.3) continue;
    const expired = rng() < 0.4;
    invitations.push({
      email,
      role: pick(rng, ["member", "admin"] as const),
      sentAt: new Date(NOW.getTime() - 10 * DAY).toISOString(),
      expiresAt: new Date(NOW.getTime() + (expired ? -3 : 3) * DAY).toISOString(),
      status: expired ? "expired" : "pending",
    });
  }
  const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : 1);
  const actual: ActualOrganization | null =
    rng() < 0.1
      ? null
      : {
          name,
          settings: rng() < 0.7 ? structuredClone(settings) : { ...settings, displayName: "Old" },
          members: members.sort(byEmail),
          invitations: invitations.sort(byEmail),
          ...(rng() < 0.3
            ? { domainUsers: POOL.filter((e) => e.endsWith("@acme.com") && rng() < 0.5) }
            : {}),
        };

  const declared = new Map<string, Role>();
  for (const email of POOL) if (rng() < 0.6) declared.set(email, pick(rng, ["member", "admin"]));
  const currentOwners = [...roles].filter(([, r]) => r === "owner").map(([e]) => e);
  const ownerDraw2 = rng();
  const owner =
    ownerDraw2 < 0.5 && currentOwners.length > 0
      ? pick(rng, currentOwners)
      : ownerDraw2 < 0.8 && active.length > 0
        ? pick(rng, active)
        : pick(rng, POOL);
  declared.set(owner, "owner");
  const desiredMembers: DesiredMember[] = [...declared]
    .map(([email, role]) => ({ name: email.split("@")[0] as string, email, role }))
    .sort(byEmail);

  return {
    desired: { name, settings, policy, members: desiredMembers },
    actual,
    managed: new Set(POOL.filter(() => rng() < 0.3)),
  };
}
