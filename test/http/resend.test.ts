import { describe, expect, it } from "vitest";
import { SYSTEM, call, errorCode } from "./harness.js";
import { ORG, useTeamApi } from "./team-api.js";

const team = useTeamApi();
const ROUTE = `/v1/orgs/${ORG}/invitations/erin@acme.com/resend`;

describe("POST /v1/orgs/{org}/invitations/{email}/resend", () => {
  it("an admin resends: a new token by mail, the old link dead, one audit event, one mail", async () => {
    const { api } = team;
    const old = api.mailer.tokenFor("erin@acme.com");
    const auditBefore = team.state().audit;
    const answer = await call(api.url, "POST", ROUTE, { key: team.keys.admin });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: "applied", delivery: { sent: true } });
    expect(api.mailer.to("erin@acme.com")).toHaveLength(2);
    const fresh = api.mailer.tokenFor("erin@acme.com");
    expect(fresh).not.toBe(old);
    expect(JSON.stringify(answer.body)).not.toContain(fresh);
    const audit = api.store.listAudit(SYSTEM, ORG, { limit: 200 }).items;
    expect(audit.length - auditBefore).toBe(1);
    expect(audit[0]).toMatchObject({ action: "resendInvite", actor: "user:bob@acme.com" });

    const dead = await fetch(`${api.url}/accept?token=${old}`);
    expect(dead.status).toBe(404);
    expect((await fetch(`${api.url}/accept?token=${fresh}`)).status).toBe(200);
    expect(
      errorCode(await call(api.url, "POST", "/v1/invitations/accept", { body: { token: old } })),
    ).toBe("not-found");
    expect(api.store.acceptInvitation(fresh)).toMatchObject({ email: "erin@acme.com" });
  });

  it("a member may not resend: 403, no mail, nothing changed", async () => {
    const { api } = team;
    const before = team.state();
    const answer = await call(api.url, "POST", ROUTE, { key: team.keys.member });
    expect(answer.status).toBe(403);
    expect(team.state()).toEqual(before);
    expect(api.mailer.to("erin@acme.com")).toHaveLength(1);
  });

  it("resending to an address with no open invitation is 404", async () => {
    const answer = await call(api(), "POST", `/v1/orgs/${ORG}/invitations/nobody@acme.com/resend`, {
      key: team.keys.owner,
    });
    expect(answer.status).toBe(404);
  });
});

function api(): string {
  return team.api.url;
}
