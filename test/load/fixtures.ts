import type { SourceFile, SourceSnapshot } from "../../controller/model/index.js";

export const API = "roster.workjet.io/v1alpha1";

/** An Organization document; `spec` lines are indented by the caller's two spaces. */
export function orgDoc(name: string, spec = "  domains: [acme.com]\n"): string {
  return `apiVersion: ${API}\nkind: Organization\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

/**
 * A Member document, always eight lines: spec.organization's value at line 6 col 17,
 * spec.email's at line 7 col 10, spec.role's at line 8 col 9.
 */
export function memberDoc(name: string, email: string, role = "member", org = "acme"): string {
  return `apiVersion: ${API}\nkind: Member\nmetadata:\n  name: ${name}\nspec:\n  organization: ${org}\n  email: ${email}\n  role: ${role}\n`;
}

export function snapshot(
  files: Record<string, string>,
  oversized: SourceSnapshot["oversized"] = [],
): SourceSnapshot {
  const list: SourceFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
  return { revision: "sha256:test", files: list, oversized };
}

/** A valid base tree: acme with its owner. */
export function baseTree(): Record<string, string> {
  return {
    "org.yaml": orgDoc("acme"),
    "owner.yaml": memberDoc("alice", "alice@acme.com", "owner"),
  };
}
