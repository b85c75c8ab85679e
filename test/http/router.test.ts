import { describe, expect, it } from "vitest";
import type { ApiError } from "../../controller/server/portal-api/errors.js";
import { Router } from "../../controller/server/portal-api/router.js";
import { TokenBucketLimiter } from "../../controller/server/portal-api/rate-limit.js";

const router = new Router([
  { method: "POST", path: "/v1/invitations/accept", handler: "accept" },
  { method: "GET", path: "/v1/orgs/{org}", handler: "getOrg" },
  { method: "PATCH", path: "/v1/orgs/{org}", handler: "patchOrg" },
  { method: "DELETE", path: "/v1/orgs/{org}/members/{email}", handler: "remove" },
]);

function failure(method: string, path: string): ApiError {
  try {
    router.match(method, path);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error(`${method} ${path} matched`);
}

describe("Router", () => {
  it.each([
    ["GET", "/v1/orgs/acme", "getOrg", { org: "acme" }],
    ["PATCH", "/v1/orgs/acme", "patchOrg", { org: "acme" }],
    ["POST", "/v1/invitations/accept", "accept", {}],
    [
      "DELETE",
      "/v1/orgs/acme/members/bob%40acme.com",
      "remove",
      { org: "acme", email: "bob@acme.com" },
    ],
    // An encoded slash stays inside its segment: it cannot reach another route.
    [
      "DELETE",
      "/v1/orgs/acme/members/a%2Fb%40acme.com",
      "remove",
      { org: "acme", email: "a/b@acme.com" },
    ],
    ["GET", "/v1/orgs/z%C3%B6e", "getOrg", { org: "zöe" }],
  ])("%s %s → %s", (method, path, handler, params) => {
    const match = router.match(method, path);
    expect(match.route.handler).toBe(handler);
    expect(match.params).toEqual(params);
  });

  it.each([
    ["GET", "/v1/orgs", 404],
    ["GET", "/v1/orgs/", 404],
    ["GET", "/v1/orgs/acme/", 404],
    ["GET", "/v1/orgs/acme/members/a/b", 404],
    ["PUT", "/v1/orgs/acme", 405],
    ["GET", "/v1/invitations/accept", 405],
    ["GET", "/v1/orgs/%E0%A4%A", 400],
  ])("%s %s → %i", (method, path, status) => {
    expect(failure(method, path).status).toBe(status);
  });

  it("lists the allowed methods on 405", () => {
    expect(failure("PUT", "/v1/orgs/acme").headers.allow).toBe("GET, PATCH");
  });
});

describe("TokenBucketLimiter", () => {
  it("allows a burst, then refills at the rate, and rounds Retry-After up to whole seconds", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ ratePerSecond: 0.5, burst: 2, now: () => now });
    expect(limiter.take("k")).toEqual({ allowed: true });
    expect(limiter.take("k")).toEqual({ allowed: true });
    expect(limiter.take("k")).toEqual({ allowed: false, retryAfterSeconds: 2 });
    now = 1500;
    expect(limiter.take("k")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 2000;
    expect(limiter.take("k")).toEqual({ allowed: true });
    expect(limiter.take("other")).toEqual({ allowed: true });
  });

  it("never holds more than the burst, however long a key was idle", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 3, now: () => now });
    limiter.take("k");
    now = 3_600_000;
    const answers = Array.from({ length: 4 }, () => limiter.take("k").allowed);
    expect(answers).toEqual([true, true, true, false]);
  });
});
