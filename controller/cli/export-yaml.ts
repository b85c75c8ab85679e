import yaml from "js-yaml";
import type { ActualOrganization, Role } from "../model/index.js";
import { API_VERSION, formatDuration } from "../model/index.js";

export interface ExportedOrg {
  org: string;
  /** A multi-document YAML file: the Organization, then its Members by email. */
  text: string;
  /** Things a reader must fix before applying (no owner, several owners). */
  warnings: string[];
}

/**
 * The backend's state as Roster resources that validate and plan to zero changes against the
 * same backend: every active member and every open invitation becomes a Member with its role.
 */
export function exportOrganization(actual: ActualOrganization): ExportedOrg {
  const names = new Set<string>();
  const s = actual.settings;
  const documents: unknown[] = [
    {
      apiVersion: API_VERSION,
      kind: "Organization",
      metadata: { name: actual.name },
      spec: {
        displayName: s.displayName,
        domains: s.domains,
        autoProvisioning: { enabled: s.autoProvisioning.enabled, role: s.autoProvisioning.role },
        invitations: { expireAfter: formatDuration(s.inviteExpirySeconds) },
        // Adopting an org that people managed by hand: anyone added there later is reported,
        // not removed, until the team chooses `remove`.
        unmanaged: "report",
      },
    },
  ];
  const people = new Map<string, { role: Role; note?: string }>();
  for (const i of actual.invitations) {
    people.set(i.email, { role: i.role, note: i.status === "expired" ? "expired" : "pending" });
  }
  for (const m of actual.members) people.set(m.email, { role: m.role });
  const expired: string[] = [];
  for (const email of [...people.keys()].sort()) {
    const person = people.get(email) as { role: Role; note?: string };
    if (person.note === "expired") expired.push(email);
    documents.push({
      apiVersion: API_VERSION,
      kind: "Member",
      metadata: { name: memberName(email, actual.name, names) },
      spec: { organization: actual.name, email, role: person.role },
    });
  }

  const owners = actual.members.filter((m) => m.role === "owner").length;
  const warnings: string[] = [];
  if (owners !== 1) {
    warnings.push(
      `${actual.name} has ${owners} owners in the backend; declare exactly one Member with role owner (R2) before applying`,
    );
  }
  const header = [`# Exported from the identity backend: organization ${actual.name}.`];
  if (expired.length > 0) {
    header.push(
      `# Expired invitations, exported as Members (apply resends them; delete a Member to cancel it): ${expired.join(", ")}`,
    );
  }
  const body = documents
    .map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true, quotingType: '"' }))
    .join("---\n");
  return { org: actual.name, text: `${header.join("\n")}\n${body}`, warnings };
}

/**
 * `alice@acme.com` in org `acme` → `alice.acme`: a DNS-subdomain name that stays unique across
 * organizations exported separately (names are unique per kind in one source, and neither part
 * holds a dot). Two people with the same local part in one org get `-2`, `-3`… in email order.
 */
export function memberName(email: string, org: string, taken: Set<string>): string {
  const local = email.slice(0, email.lastIndexOf("@"));
  const base =
    local
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 180)
      .replace(/-+$/, "") || "member";
  let name = `${base}.${org}`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.${org}`;
  taken.add(name);
  return name;
}
