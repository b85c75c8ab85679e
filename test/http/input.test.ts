import http from "node:http";
import { describe, expect, it } from "vitest";
import { call, errorCode, keyFor, seedOrg, startApi } from "./harness.js";
import { ORG, OWNER, ADMIN, useTeamApi } from "./team-api.js";

const team = useTeamApi();

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
      const answer = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
        key: team.keys.owner,
        body: { email, role: "member" },
      });
      expect({ email, status: answer.status }).toEqual({ email, status: 201 });
      expect((answer.body as { invitation: { email: string } }).invitation.email).toBe(email);
    }
    const listed = await call(team.api.url, "GET", `/v1/orgs/${ORG}/invitations?limit=200`, {
      key: team.keys.owner,
    });
    const emails = (listed.body as { items: { email: string }[] }).items.map((i) => i.email);
    for (const email of hostile) expect(emails).toContain(email);
    // An email path segment with those characters reaches the right row.
    for (const email of hostile) {
      const cancelled = await call(
        team.api.url,
        "DELETE",
        `/v1/orgs/${ORG}/invitations/${encodeURIComponent(email)}`,
        { key: team.keys.owner },
      );
      expect(cancelled.body).toMatchObject({ outcome: "applied" });
    }
    expect(team.api.store.snapshot(ORG)?.members).toHaveLength(4);

    const name = `Acme "Quoted" Inc.'); DROP TABLE organizations;-- 🚀 ünïcödé`;
    const patched = await call(team.api.url, "PATCH", `/v1/orgs/${ORG}`, {
      key: team.keys.owner,
      body: { settings: { displayName: name } },
      headers: { "x-roster-reason": encodeURIComponent("ré'ason\"; --") },
    });
    expect(patched.status).toBe(200);
    const org = await call(team.api.url, "GET", `/v1/orgs/${ORG}`, { key: team.keys.owner });
    expect((org.body as { settings: { displayName: string } }).settings.displayName).toBe(name);
    const audit = await call(team.api.url, "GET", `/v1/orgs/${ORG}/audit?limit=1`, {
      key: team.keys.owner,
    });
    expect((audit.body as { items: { reason: string }[] }).items[0]?.reason).toBe("ré'ason\"; --");
  });

  it("refuses emails that are not addresses with 422 and a message, storing nothing", async () => {
    const before = team.state();
    for (const email of ['"quoted"@acme.com', "a;b@acme.com", "no-at-sign", "x y@acme.com"]) {
      const answer = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
        key: team.keys.owner,
        body: { email, role: "member" },
      });
      expect({ email, status: answer.status }).toEqual({ email, status: 422 });
      expect(errorCode(answer)).toBe("invalid");
      expect((answer.body as { error: { message: string } }).error.message).toMatch(/valid email/);
    }
    expect(team.state()).toEqual(before);
  });

  it("answers 413 to an oversized body, declared or streamed, and stores nothing", async () => {
    const before = team.state();
    const big = { email: "big@acme.com", role: "member", pad: "x".repeat(70 * 1024) };
    const declared = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.owner,
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(errorCode(declared)).toBe("payload-too-large");

    const streamed = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${team.api.url}/v1/orgs/${ORG}/invitations`);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            authorization: `Bearer ${team.keys.owner}`,
            "content-type": "application/json",
          },
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
    expect(team.state()).toEqual(before);
  });

  it("answers 400 with a message to malformed JSON, without echoing the body", async () => {
    const answer = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.owner,
      raw: '{"email": "s3cret-token-like", role: member}',
    });
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe("bad-request");
    const message = (answer.body as { error: { message: string } }).error.message;
    expect(message).toMatch(/^malformed JSON body: syntax error at position \d+$/);
    expect(message).not.toContain("s3cret");

    const array = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.owner,
      raw: "[1,2]",
    });
    expect(array.status).toBe(422);
    const text = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.owner,
      raw: "email=x",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    const none = await call(team.api.url, "GET", "/v1/nothing", { key: team.keys.owner });
    expect(none.status).toBe(404);
    expect(errorCode(none)).toBe("not-found");
    const wrong = await call(team.api.url, "PUT", `/v1/orgs/${ORG}/members`, {
      key: team.keys.owner,
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    const encoded = await call(team.api.url, "GET", `/v1/orgs/%E0%A4%A/members`, {
      key: team.keys.owner,
    });
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

  it("one bucket per member, however many keys they hold", async () => {
    const limited = await startApi({ rateLimit: { ratePerSecond: 1, burst: 2 }, now: () => 0 });
    try {
      await seedOrg(limited.store, ORG, OWNER);
      const [a, b] = [keyFor(limited.store, ORG, OWNER), keyFor(limited.store, ORG, OWNER)];
      expect((await call(limited.url, "GET", "/v1/me", { key: a })).status).toBe(200);
      expect((await call(limited.url, "GET", "/v1/me", { key: b })).status).toBe(200);
      expect((await call(limited.url, "GET", "/v1/me", { key: b })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("failed authentications are limited per address, before the credential is looked at", async () => {
    let now = 5_000_000;
    const limited = await startApi({
      authFailureLimit: { ratePerSecond: 1, burst: 3 },
      now: () => now,
    });
    try {
      await seedOrg(limited.store, ORG, OWNER);
      const good = keyFor(limited.store, ORG, OWNER);
      for (let i = 0; i < 3; i++) {
        const guess = await call(limited.url, "GET", "/v1/me", { key: `rk_guess${i}` });
        expect(guess.status).toBe(401);
      }
      // Spent: even a right key is refused now (a guesser cannot tell a hit from a miss).
      const blocked = await call(limited.url, "GET", "/v1/me", { key: good });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get("retry-after")).toBe("1");
      expect((await call(limited.url, "GET", "/v1/me", { key: "rk_more" })).status).toBe(429);
      now += 1000;
      expect((await call(limited.url, "GET", "/v1/me", { key: good })).status).toBe(200);
      // Successes spend nothing from the failure budget.
      for (let i = 0; i < 5; i++) {
        expect((await call(limited.url, "GET", "/v1/me", { key: good })).status).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });
});
