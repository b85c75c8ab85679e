import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutboxMailer } from "../../controller/adapters/mail/index.js";
import { TOKEN, invite } from "./fixtures.js";
import { parseMail } from "./parse-mime.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "roster-outbox-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("OutboxMailer", () => {
  it("writes one RFC 5322 .eml per invite, names sorted by time, private to the user", async () => {
    let clock = Date.parse("2025-03-01T10:00:00.000Z");
    const outbox = new OutboxMailer({ dir: join(dir, "outbox"), now: () => new Date(clock) });
    await outbox.sendInvite(invite({ email: "zed@acme.com" }));
    clock += 1;
    await outbox.sendInvite(invite({ email: "amy@acme.com", role: "member" }));
    clock += 60_000;
    await outbox.sendInvite(invite({ email: "bob@acme.com" }));

    const files = await readdir(join(dir, "outbox"));
    expect(files).toHaveLength(3);
    expect(files.every((f) => f.endsWith(".eml"))).toBe(true);
    const sorted = [...files].sort();
    expect(sorted.map((f) => f.replace(/^.*-\d{4}-[0-9a-f]{6}-/, ""))).toEqual([
      "zed_acme.com.eml",
      "amy_acme.com.eml",
      "bob_acme.com.eml",
    ]);
    expect(sorted[0]).toMatch(/^2025-03-01T10-00-00\.000Z-0001-[0-9a-f]{6}-zed_acme\.com\.eml$/);
    const mode = (await stat(join(dir, "outbox", sorted[0]!))).mode & 0o777;
    expect(mode).toBe(0o600);

    const mail = parseMail(await readFile(join(dir, "outbox", sorted[1]!), "utf8"));
    expect(mail.headers.get("to")).toBe("amy@acme.com");
    expect(mail.headers.get("from")).toBe("Roster <roster@localhost>");
    expect(mail.headers.get("subject")).toBe("You're invited to join Acme Inc. on Workjet");
    expect(mail.headers.get("mime-version")).toBe("1.0");
    expect(mail.headers.get("message-id")).toMatch(/^<.+@.+>$/);
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    expect(new Date(mail.headers.get("date")!).toISOString()).toBe("2025-03-01T10:00:00.000Z");
    expect(mail.contentType).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.text).toContain(`https://portal.example.com/accept?token=${TOKEN}`);
    expect(mail.html).toContain(`href="https://portal.example.com/accept?token=${TOKEN}"`);
    expect(mail.text).toContain("as a member");
  });

  it("escapes an organization named <script> in the HTML part", async () => {
    const outbox = new OutboxMailer({ dir, from: "Acme Team <team@acme.com>" });
    await outbox.sendInvite(invite({ orgDisplayName: "<script>alert(1)</script>" }));
    const [file] = await readdir(dir);
    const mail = parseMail(await readFile(join(dir, file!), "utf8"));
    expect(mail.headers.get("from")).toBe("Acme Team <team@acme.com>");
    expect(mail.headers.get("subject")).toBe(
      "You're invited to join <script>alert(1)</script> on Workjet",
    );
    expect(mail.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(mail.html).not.toContain("<script>");
    expect(mail.text).toContain("<script>alert(1)</script>");
  });

  it("encodes a non-ASCII display name in the subject (RFC 2047)", async () => {
    const outbox = new OutboxMailer({ dir });
    await outbox.sendInvite(invite({ orgDisplayName: "Société Générale Ünïcode" }));
    const [file] = await readdir(dir);
    const raw = await readFile(join(dir, file!), "utf8");
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(parseMail(raw).headers.get("subject")).toBe(
      "You're invited to join Société Générale Ünïcode on Workjet",
    );
  });

  it("reports a folder it cannot write without the token", async () => {
    await new OutboxMailer({ dir }).sendInvite(invite());
    const [first] = await readdir(dir);
    // A folder below a file cannot be created.
    const outbox = new OutboxMailer({ dir: join(dir, first!, "sub") });
    const error = await outbox.sendInvite(invite()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("could not send the invitation to bob@acme.com");
    expect((error as Error).message).not.toContain(TOKEN);
  });
});
