import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./harness.js";
import { call, errorCode, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";
const MEMBER = "carol@acme.com";
const OTHER = "dave@acme.com";

let api: ApiHarness;
let keys: { owner: string; admin: string; member: string };

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, [
    { email: ADMIN, role: "admin" },
    { email: MEMBER, role: "member" },
    { email: OTHER, role: "member" },
  ]);
  await api.store.invite(SYSTEM, ORG, "erin@acme.com", "member");
  keys = {
    owner: keyFor(api.store, ORG, OWNER),
    admin: keyFor(api.store, ORG, ADMIN),
    member: keyFor(api.store, ORG, MEMBER),
  };
});

afterEach(async () => {
  await api.close();
});

/** Everything a request could change, to prove a refused one changed nothing. */
function state() {
  return {
    snapshot: api.store.snapshot(ORG),
    keys: api.store.listApiKeys(SYSTEM, ORG),
    audit: api.store.listAudit(SYSTEM, ORG, { limit: 200 }).items.length,
  };
}

describe("hostile input", () => {
  it("stores and returns quotes, SQL fragments and unicode literally", async () => {
    const hostile = [
      "o'brien@acme.com",
      "x'--@acme.com",
      "a'||'b'or'1'='1@acme.com",
      "zoë.ñandú@acme.com",
      "%27%20or%201=1@acme.com",
      "robert'drop_table_memberships--@acme.com",
    ];
    for (const email of hostile) {
      const answer = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
        key: keys.owner,
        body: { email, role: "member" },
      });
      expect({ email, status: answer.status }).toEqual({ email, status: 201 });
      expect((answer.body as { invitation: { email: string } }).invitation.email).toBe(email);
    }
    const listed = await call(api.url, "GET", `/v1/orgs/${ORG}/invitations?limit=200`, {
      key: keys.owner,
    });
    const emails = (listed.body as { items: { email: string }[] }).items.map((i) => i.email);
    for (const email of hostile) expect(emails).toContain(email);
    // An email path segment with those characters reaches the right row.
    for (const email of hostile) {
      const cancelled = await call(
        api.url,
        "DELETE",
        `/v1/orgs/${ORG}/invitations/${encodeURIComponent(email)}`,
        { key: keys.owner },
      );
      expect(cancelled.body).toMatchObject({ outcome: "applied" });
    }
    expect(api.store.snapshot(ORG)?.members).toHaveLength(4);

    const name = `Acme "Quoted" Inc.'); DROP TABLE organizations;-- 🚀 ünïcödé`;
    const patched = await call(api.url, "PATCH", `/v1/orgs/${ORG}`, {
      key: keys.owner,
      body: { settings: { displayName: name } },
      headers: { "x-roster-reason": encodeURIComponent("ré'ason\"; --") },
    });
    expect(patched.status).toBe(200);
    const org = await call(api.url, "GET", `/v1/orgs/${ORG}`, { key: keys.owner });
    expect((org.body as { settings: { displayName: string } }).settings.displayName).toBe(name);
    const audit = await call(api.url, "GET", `/v1/orgs/${ORG}/audit?limit=1`, { key: keys.owner });
    expect((audit.body as { items: { reason: string }[] }).items[0]?.reason).toBe("ré'ason\"; --");
  });

  it("refuses emails that are not addresses with 422 and a message, storing nothing", async () => {
    const before = state();
    for (const email of ['"quoted"@acme.com', "a;b@acme.com", "no-at-sign", "x y@acme.com"]) {
      const answer = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
        key: keys.owner,
        body: { email, role: "member" },
      });
      expect({ email, status: answer.status }).toEqual({ email, status: 422 });
      expect(errorCode(answer)).toBe("invalid");
      expect((answer.body as { error: { message: string } }).error.message).toMatch(/valid email/);
    }
    expect(state()).toEqual(before);
  });

  it("answers 413 to an oversized body, declared or streamed, and stores nothing", async () => {
    const before = state();
    const big = { email: "big@acme.com", role: "member", pad: "x".repeat(70 * 1024) };
    const declared = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.owner,
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(errorCode(declared)).toBe("payload-too-large");

    const streamed = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${api.url}/v1/orgs/${ORG}/invitations`);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { authorization: `Bearer ${keys.owner}`, "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      // No Content-Length: chunked, counted as it arrives.
      for (let i = 0; i < 20; i++) req.write("x".repeat(8 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(state()).toEqual(before);
  });

  it("answers 400 with a message to malformed JSON, without echoing the body", async () => {
    const answer = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.owner,
      raw: '{"email": "s3cret-token-like", role: member}',
    });
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe("bad-request");
    const message = (answer.body as { error: { message: string } }).error.message;
    expect(message).toMatch(/^malformed JSON body: syntax error at position \d+$/);
    expect(message).not.toContain("s3cret");

    const array = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.owner,
      raw: "[1,2]",
    });
    expect(array.status).toBe(422);
    const text = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.owner,
      raw: "email=x",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    const none = await call(api.url, "GET", "/v1/nothing", { key: keys.owner });
    expect(none.status).toBe(404);
    expect(errorCode(none)).toBe("not-found");
    const wrong = await call(api.url, "PUT", `/v1/orgs/${ORG}/members`, { key: keys.owner });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    const encoded = await call(api.url, "GET", `/v1/orgs/%E0%A4%A/members`, { key: keys.owner });
    expect(encoded.status).toBe(400);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After per key once the bucket is empty, and refills with time", async () => {
    let now = 1_000_000;
    const limited = await startApi({ rateLimit: { ratePerSecond: 2, burst: 3 }, now: () => now });
    try {
      await seedOrg(limited.store, ORG, OWNER, [{ email: ADMIN, role: "admin" }]);
      const owner = keyFor(limited.store, ORG, OWNER);
      const admin = keyFor(limited.store, ORG, ADMIN);
      for (let i = 0; i < 3; i++) {
        expect((await call(limited.url, "GET", "/v1/me", { key: owner })).status).toBe(200);
      }
      const refused = await call(limited.url, "GET", "/v1/me", { key: owner });
      expect(refused.status).toBe(429);
      expect(errorCode(refused)).toBe("rate-limited");
      expect(refused.headers.get("retry-after")).toBe("1");
      // Writes are limited the same way, before any effect.
      const write = await call(limited.url, "POST", `/v1/orgs/${ORG}/invitations`, {
        key: owner,
        body: { email: "late@acme.com", role: "member" },
      });
      expect(write.status).toBe(429);
      expect(limited.store.snapshot(ORG)?.invitations).toEqual([]);
      // Another key has its own bucket.
      expect((await call(limited.url, "GET", "/v1/me", { key: admin })).status).toBe(200);
      now += 500;
      expect((await call(limited.url, "GET", "/v1/me", { key: owner })).status).toBe(200);
      expect((await call(limited.url, "GET", "/v1/me", { key: owner })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
