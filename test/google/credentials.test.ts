import { auth } from "@googleapis/admin";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuthClient, SCOPES } from "../../controller/adapters/backends/google/index.js";
import { BackendError } from "../../controller/model/index.js";
import { GROUP, harness, type Harness } from "./setup.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
});
afterEach(async () => {
  await h.close();
});

describe("Google credentials", () => {
  it("sends a preset access token as a bearer token", async () => {
    const backend = h.open({ credentials: { kind: "access-token", accessToken: h.fake.token } });
    const actual = await backend.snapshot("acme");
    expect(actual!.members.map((m) => m.email)).toEqual(["owner@acme.com"]);
    expect(backend.describe).not.toContain(h.fake.token);
  });

  it("never puts the token in an error when Google refuses it", async () => {
    const secret = "ya29.super-secret-token-value";
    const backend = h.open({ credentials: { kind: "access-token", accessToken: secret } });
    const error = await backend.snapshot("acme").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("unauthenticated");
    expect((error as BackendError).transient).toBe(false);
    expect((error as BackendError).cause).toBeUndefined();
    expect(
      JSON.stringify({ m: (error as Error).message, s: (error as Error).stack }),
    ).not.toContain("super-secret");
  });

  it("builds a delegated JWT from a key file, with the subject and the scopes", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const keyFile = join(h.dir, "key.json");
    await writeFile(
      keyFile,
      JSON.stringify({
        type: "service_account",
        client_email: "roster@acme-project.iam.gserviceaccount.com",
        private_key: privateKey,
      }),
    );
    const client = await createAuthClient(
      { kind: "service-account", keyFile, subject: "admin@acme.com" },
      [SCOPES.groupMember, SCOPES.userReadonly],
    );
    expect(client).toBeInstanceOf(auth.JWT);
    const jwt = client as InstanceType<typeof auth.JWT>;
    expect(jwt.subject).toBe("admin@acme.com");
    expect(jwt.email).toBe("roster@acme-project.iam.gserviceaccount.com");
    expect(jwt.scopes).toEqual([SCOPES.groupMember, SCOPES.userReadonly]);

    // With its credentials preset (the token exchange needs Google), it drives the backend.
    jwt.credentials = { access_token: h.fake.token, expiry_date: Date.now() + 3_600_000 };
    const backend = h.open({ credentials: { kind: "client", client: jwt } });
    expect((await backend.snapshot("acme"))!.members).toHaveLength(1);
  });

  it("refuses a malformed key file without quoting it", async () => {
    const keyFile = join(h.dir, "bad.json");
    await writeFile(keyFile, '{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEsecret');
    const backend = h.open({ credentials: { kind: "service-account", keyFile } });
    const error = await backend.snapshot("acme").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain("is not JSON");
    expect((error as Error).message).not.toContain("MIIE");

    await writeFile(keyFile, JSON.stringify({ type: "authorized_user", client_secret: "s3cret" }));
    const wrongKind = await h
      .open({ credentials: { kind: "service-account", keyFile } })
      .snapshot("acme")
      .catch((e: unknown) => e);
    expect((wrongKind as Error).message).toContain("is not a service account key");
    expect((wrongKind as Error).message).not.toContain("s3cret");

    const missing = await h
      .open({ credentials: { kind: "service-account", keyFile: join(h.dir, "nope.json") } })
      .snapshot("acme")
      .catch((e: unknown) => e);
    expect((missing as Error).message).toContain("ENOENT");
    expect(h.fake.calls).toHaveLength(0);
  });
});
