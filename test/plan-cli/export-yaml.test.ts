import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { exportOrganization, memberName } from "../../controller/cli/export-yaml.js";
import { loadDesiredState } from "../../controller/load/index.js";
import type { ActualOrganization } from "../../controller/model/index.js";

const acme: ActualOrganization = {
  name: "acme",
  settings: {
    displayName: 'Acme: the "best" Inc.',
    domains: ["acme.com"],
    autoProvisioning: { enabled: true, role: "member" },
    inviteExpirySeconds: 3 * 86400,
  },
  members: [
    { email: "alice@acme.com", role: "owner", since: "2025-01-01T00:00:00Z" },
    { email: "alice@other.org", role: "admin", since: "2025-01-01T00:00:00Z" },
  ],
  invitations: [
    { email: "new@acme.com", role: "admin", sentAt: "x", expiresAt: "y", status: "pending" },
    { email: "old@acme.com", role: "member", sentAt: "x", expiresAt: "y", status: "expired" },
  ],
};

describe("exportOrganization", () => {
  it("emits an Organization and a Member per member and open invitation, which load back", () => {
    const out = exportOrganization(acme);
    expect(out.warnings).toEqual([]);
    expect(out.text).toMatch(/^# Exported from the identity backend/);
    expect(out.text).toContain("Expired invitations, exported as Members");
    const docs = yaml.loadAll(out.text) as {
      kind: string;
      metadata: { name: string };
      spec: Record<string, unknown>;
    }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      "Organization/acme",
      "Member/alice.acme",
      "Member/alice-2.acme",
      "Member/new.acme",
      "Member/old.acme",
    ]);
    expect(docs[0]!.spec).toMatchObject({
      displayName: 'Acme: the "best" Inc.',
      invitations: { expireAfter: "3d" },
      autoProvisioning: { enabled: true, role: "member" },
    });
    const loaded = loadDesiredState({
      revision: "r",
      files: [{ path: "acme.yaml", text: out.text }],
      oversized: [],
    });
    expect(loaded.issues.filter((i) => i.severity === "error")).toEqual([]);
    const org = loaded.state!.organizations[0]!;
    expect(org.settings).toEqual(acme.settings);
    expect(org.members.map((m) => `${m.email}:${m.role}`)).toEqual([
      "alice@acme.com:owner",
      "alice@other.org:admin",
      "new@acme.com:admin",
      "old@acme.com:member",
    ]);
  });

  it("warns when the backend does not have exactly one owner", () => {
    const out = exportOrganization({ ...acme, members: [] });
    expect(out.warnings[0]).toContain("0 owners");
  });
});

describe("memberName", () => {
  it("makes DNS-subdomain names unique within an org and across orgs", () => {
    const taken = new Set<string>();
    expect(memberName("Jean.Luc+x@acme.com", "acme", taken)).toBe("jean-luc-x.acme");
    expect(memberName("jean.luc.x@other.com", "acme", taken)).toBe("jean-luc-x-2.acme");
    expect(memberName("___@acme.com", "acme", taken)).toBe("member.acme");
    expect(memberName("jean.luc.x@acme.com", "beta", new Set())).toBe("jean-luc-x.beta");
  });
});
