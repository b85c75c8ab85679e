import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GmailMailer } from "../../controller/adapters/mail/index.js";
import { BackendError } from "../../controller/model/index.js";
import { FakeGmail } from "../fakes/gmail-api.js";
import { presetClient } from "../google/setup.js";
import { TOKEN, invite } from "./fixtures.js";
import { parseMail } from "./parse-mime.js";

let fake: FakeGmail;
beforeEach(async () => {
  fake = await FakeGmail.start();
});
afterEach(async () => {
  await fake.close();
});

function mailer(token = fake.token): GmailMailer {
  return new GmailMailer({
    sender: "team@acme.com",
    senderName: "Acme Team",
    credentials: { kind: "client", client: presetClient(token) },
    rootUrl: `${fake.url}/`,
    now: () => new Date("2025-03-01T10:00:00.000Z"),
  });
}

describe("GmailMailer", () => {
  it("sends the whole message, base64url in `raw`, as the delegated sender", async () => {
    await mailer().sendInvite(invite({ orgDisplayName: "Acme <Inc>" }));

    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.userId).toBe("me");
    const mail = parseMail(fake.sent[0]!.raw);
    expect(mail.headers.get("to")).toBe("bob@acme.com");
    expect(mail.headers.get("from")).toBe("Acme Team <team@acme.com>");
    expect(mail.headers.get("subject")).toBe("You're invited to join Acme <Inc> on Workjet");
    expect(mail.text).toContain(`https://portal.example.com/accept?token=${TOKEN}`);
    expect(mail.html).toContain(`href="https://portal.example.com/accept?token=${TOKEN}"`);
    expect(mail.html).toContain("Acme &lt;Inc&gt;");
    const calls = fake.server.calls;
    expect(calls.map((c) => [c.method, c.path])).toEqual([
      ["POST", "/gmail/v1/users/me/messages/send"],
    ]);
  });

  it("reports a rate limit as transient and a refused token as needing a human", async () => {
    fake.server.inject({ status: 429, retryAfter: "4", times: 1 });
    const limited = await mailer()
      .sendInvite(invite())
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(BackendError);
    expect((limited as BackendError).transient).toBe(true);
    expect((limited as BackendError).retryAfterSeconds).toBe(4);

    const refused = await mailer("ya29.not-the-right-token")
      .sendInvite(invite())
      .catch((e: unknown) => e);
    expect((refused as BackendError).code).toBe("unauthenticated");
    expect((refused as BackendError).transient).toBe(false);
    expect((refused as Error).message).not.toContain("ya29");
    expect((refused as Error).message).not.toContain(TOKEN);
    expect(fake.sent).toHaveLength(0);
  });
});
