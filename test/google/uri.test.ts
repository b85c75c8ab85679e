import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openBackend } from "../../controller/cli/backend-uri.js";
import { UsageError } from "../../controller/cli/errors.js";
import { googleCredentialsFrom, openGoogleBackend } from "../../controller/cli/google-uri.js";
import { openMailer } from "../../controller/cli/mailer-uri.js";
import { FakeGoogleDirectory } from "../fakes/google-directory.js";
import { invite } from "../mail/fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "roster-google-uri-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("--backend google:GROUP", () => {
  it("opens the group through openBackend, with a token from the environment", async () => {
    const fake = await FakeGoogleDirectory.start("env-token");
    fake.addGroup("eng@acme.com").addMember("eng@acme.com", "ann@acme.com", "OWNER");
    const saved = process.env.ROSTER_GOOGLE_ACCESS_TOKEN;
    process.env.ROSTER_GOOGLE_ACCESS_TOKEN = "env-token";
    try {
      const record = join(dir, "record.json");
      const opened = await openBackend(
        `google:eng@acme.com?org=acme&record=${encodeURIComponent(record)}&rootUrl=${fake.url}`,
        { statePath: join(dir, "state.db") },
      );
      const actual = await opened.backend.snapshot("acme");
      expect(actual!.members.map((m) => [m.email, m.role])).toEqual([["ann@acme.com", "owner"]]);
      expect(opened.backend.describe).not.toContain("env-token");
      expect(await opened.state.managedMembers("acme")).toEqual(new Set());
      await opened.close();
    } finally {
      if (saved === undefined) delete process.env.ROSTER_GOOGLE_ACCESS_TOKEN;
      else process.env.ROSTER_GOOGLE_ACCESS_TOKEN = saved;
      await fake.close();
    }
  });

  it("refuses a spec without a group address or with an unknown parameter", () => {
    const state = () => {
      throw new Error("state must not be opened for a bad spec");
    };
    expect(() => openGoogleBackend("google:eng", {}, state, {})).toThrow(UsageError);
    expect(() => openGoogleBackend("google:eng@acme.com?token=x", {}, state, {})).toThrow(
      /unknown parameter "token"/,
    );
    expect(() => openGoogleBackend("google:eng@acme.com?org=Not_Valid", {}, state, {})).toThrow(
      /not an organization name/,
    );
  });

  it("picks credentials: token, then key file, then ADC; the subject from the spec or env", () => {
    const none = new URLSearchParams();
    expect(googleCredentialsFrom(none, { ROSTER_GOOGLE_ACCESS_TOKEN: "t" })).toEqual({
      kind: "access-token",
      accessToken: "t",
    });
    expect(
      googleCredentialsFrom(new URLSearchParams("keyFile=/k.json&subject=admin@acme.com"), {}),
    ).toEqual({ kind: "service-account", keyFile: "/k.json", subject: "admin@acme.com" });
    expect(
      googleCredentialsFrom(none, {
        ROSTER_GOOGLE_KEY_FILE: "/env.json",
        ROSTER_GOOGLE_SUBJECT: "it@acme.com",
      }),
    ).toEqual({ kind: "service-account", keyFile: "/env.json", subject: "it@acme.com" });
    expect(googleCredentialsFrom(none, {})).toEqual({ kind: "adc" });
    expect(googleCredentialsFrom(none, {}, "team@acme.com")).toEqual({
      kind: "adc",
      subject: "team@acme.com",
    });
    expect(() => googleCredentialsFrom(new URLSearchParams("subject=nope"), {})).toThrow(
      /not an email/,
    );
  });
});

describe("--mailer specs", () => {
  it("outbox and outbox:DIR write .eml files", async () => {
    const mailer = openMailer(`outbox:${join(dir, "mail")}?from=team@acme.com`, {});
    expect(mailer.describe).toBe(`outbox:${join(dir, "mail")}`);
    await mailer.sendInvite(invite());
    expect(await readdir(join(dir, "mail"))).toHaveLength(1);
    expect(openMailer("outbox", {}).describe).toBe("outbox:.roster/outbox");
  });

  it("smtp: user, port and TLS from the spec; the password only from env or a file", async () => {
    expect(openMailer("smtp://mail.acme.com", {}).describe).toBe("smtp://mail.acme.com:587");
    expect(openMailer("smtps://mail.acme.com", {}).describe).toBe("smtps://mail.acme.com:465");
    expect(
      openMailer("smtp://roster@mail.acme.com:2525?requireTLS=true", {
        ROSTER_SMTP_PASSWORD: "pw",
      }).describe,
    ).toBe("smtp://roster@mail.acme.com:2525");

    const passwordFile = join(dir, "pw");
    await writeFile(passwordFile, "from-file\n");
    expect(
      openMailer(`smtp://roster@mail.acme.com?passwordFile=${encodeURIComponent(passwordFile)}`, {})
        .describe,
    ).toBe("smtp://roster@mail.acme.com:587");

    const inUri = (() => {
      try {
        openMailer("smtp://roster:hunter2@mail.acme.com", {});
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(inUri).toBeInstanceOf(UsageError);
    expect(inUri!.message).toContain("ROSTER_SMTP_PASSWORD");
    expect(inUri!.message).not.toContain("hunter2");
    expect(() => openMailer("smtp://roster@mail.acme.com", {})).toThrow(/no password/);
    expect(() => openMailer("smtp://mail.acme.com?secure=maybe", {})).toThrow(/true or false/);
    expect(() => openMailer("smtp://mail.acme.com?ca=/nonexistent/ca.pem", {})).toThrow(
      /cannot read the CA file/,
    );
  });

  it("gmail:SENDER acts as the sender by default; unknown schemes list the supported ones", () => {
    expect(openMailer("gmail:team@acme.com", {}).describe).toBe(
      "gmail:team@acme.com (application default credentials acting as team@acme.com)",
    );
    expect(() => openMailer("gmail:team", {})).toThrow(/sending mailbox/);
    expect(() => openMailer("pigeon:coop", {})).toThrow(/supported: outbox/);
  });
});
