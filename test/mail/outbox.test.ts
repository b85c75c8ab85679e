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
  it("writes one RFC 5322 .eml per job, named by the job id (which sorts by time), private to the user", async () => {
    const outbox = new OutboxMailer({ dir: join(dir, "outbox") });
    await outbox.sendInvite(invite({ id: "20250301T100000000Z-00000003", email: "zed@acme.com" }));
    await outbox.sendInvite(
      invite({ id: "20250301T100000001Z-00000002", email: "amy@acme.com", role: "member" }),
    );
    await outbox.sendInvite(invite({ id: "20250301T100100000Z-00000001", email: "bob@acme.com" }));

    const files = await readdir(join(dir, "outbox"));
    expect(files).toHaveLength(3);
    expect(files.every((f) => f.endsWith(".eml"))).toBe(true);
    const sorted = [...files].sort();
    expect(sorted).toEqual([
      "20250301t100000000z-00000003-zed_acme.com.eml",
      "20250301t100000001z-00000002-amy_acme.com.eml",
      "20250301t100100000z-00000001-bob_acme.com.eml",
    ]);
    const mode = (await stat(join(dir, "outbox", sorted[0]!))).mode & 0o777;
    expect(mode).toBe(0o600);

    const mail = parseMail(await readFile(join(dir, "outbox", sorted[1]!), "utf8"));
    expect(mail.headers.get("to")).toBe("amy@acme.com");
    expect(mail.headers.get("from")).toBe("Roster <roster@localhost>");
    expect(mail.headers.get("subject")).toBe("You're invited to join Acme Inc. on Workjet");
    expect(mail.headers.get("mime-version")).toBe("1.0");
    expect(mail.headers.get("message-id")).toBe("<20250301T100000001Z-00000002@roster.invalid>");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    expect(mail.contentType).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.text).toContain(`https://portal.example.com/accept?token=${TOKEN}`);
    expect(mail.html).toContain(`href="https://portal.example.com/accept?token=${TOKEN}"`);
    expect(mail.text).toContain("as a member");
  });

  it("a retry of the same job rewrites its file: one mail, never two", async () => {
    const outbox = new OutboxMailer({ dir });
    await outbox.sendInvite(invite({ orgDisplayName: "First" }));
    await outbox.sendInvite(invite({ orgDisplayName: "Second" }));
    const files = await readdir(dir);
    expect(files).toEqual(["20250301t100000000z-0a1b2c3d-bob_acme.com.eml"]);
    const mail = parseMail(await readFile(join(dir, files[0]!), "utf8"));
    expect(mail.headers.get("subject")).toBe("You're invited to join Second on Workjet");
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
