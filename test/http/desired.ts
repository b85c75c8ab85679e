import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ActualOrganization, Role } from "../../controller/model/index.js";

export interface DesiredOrg {
  name: string;
  displayName?: string;
  unmanaged?: "remove" | "report";
  maxRemovals?: number | string;
  members: Record<string, Role>;
}

/** Writes an organization and its members as Roster YAML under `dir` (one file). */
export async function writeDesired(dir: string, org: DesiredOrg): Promise<void> {
  await mkdir(dir, { recursive: true });
  const docs = [
    [
      "apiVersion: roster.workjet.io/v1alpha1",
      "kind: Organization",
      `metadata: { name: ${org.name} }`,
      "spec:",
      `  displayName: ${JSON.stringify(org.displayName ?? org.name)}`,
      "  domains: []",
      "  autoProvisioning: { enabled: false, role: member }",
      "  invitations: { expireAfter: 7d }",
      `  unmanaged: ${org.unmanaged ?? "remove"}`,
      `  safety: { maxRemovals: ${JSON.stringify(org.maxRemovals ?? 100)} }`,
    ].join("\n"),
    ...Object.entries(org.members).map(([email, role], i) =>
      [
        "apiVersion: roster.workjet.io/v1alpha1",
        "kind: Member",
        `metadata: { name: m${i} }`,
        `spec: { organization: ${org.name}, email: ${JSON.stringify(email)}, role: ${role} }`,
      ].join("\n"),
    ),
  ];
  await writeFile(path.join(dir, `${org.name}.yaml`), docs.join("\n---\n") + "\n");
}

/**
 * What the backend grants, per email: an active member's role, or the role of a pending
 * invitation (what declaring someone can achieve before they accept). `backend == desired`
 * compares this with the declared members.
 */
export function granted(actual: ActualOrganization | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of actual?.invitations ?? []) out[i.email] = `${i.role} (invited)`;
  for (const m of actual?.members ?? []) out[m.email] = m.role;
  return out;
}

/** The declared members as `granted` should show them once applied (owner active already). */
export function expected(
  members: Record<string, Role>,
  active: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [email, role] of Object.entries(members)) {
    out[email] = active.has(email) || role === "owner" ? role : `${role} (invited)`;
  }
  return out;
}
