import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PortalClient } from "../../controller/adapters/backends/http/client.js";
import type { BackendError } from "../../controller/model/index.js";
import { WIRE_ERRORS } from "../../controller/model/index.js";
import { ApiError, sendError } from "../../controller/server/portal-api/errors.js";
import type { ApiHarness } from "./harness.js";
import { SYSTEM, keyFor, seedOrg, startApi } from "./harness.js";

// One wire error table (model/wire-errors.ts): what `roster serve` sends, the HTTP client reads.
const NO_RETRY = { maxAttempts: 1 };

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as BackendError,
  );
  if (outcome === undefined) throw new Error("expected the request to fail");
  return outcome;
}

describe("every code of the table, from the server's sender to the client", () => {
  let server: http.Server;
  let url = "";
  beforeAll(async () => {
    // Answers GET /CODE with the server's own error for that code.
    server = http.createServer((req, res) => {
      sendError(
        res,
        new ApiError((req.url ?? "/").slice(1), "told to fail", { "retry-after": "0" }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(WIRE_ERRORS.map((e) => [e.status, e.code, e.backendCode, e.transient] as const))(
    "%i %s → BackendError %s (transient %s)",
    async (status, code, backendCode, transient) => {
      const client = new PortalClient({ baseUrl: url, token: "t", retry: NO_RETRY });
      const error = await failure(client.request("GET", `/${code}`));
      expect(error).toMatchObject({ code: backendCode, transient });
      expect(error.message).toBe(`GET /${code}: HTTP ${status}: told to fail`);
    },
  );

  it("a status with no body of ours (a proxy) is read by its status", async () => {
    const proxy = http.createServer((_req, res) => {
      res.writeHead(502);
      res.end("bad gateway");
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const client = new PortalClient({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        token: "t",
        retry: NO_RETRY,
      });
      expect(await failure(client.request("GET", "/x"))).toMatchObject({
        code: "unavailable",
        transient: true,
      });
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe("the real API's errors, read by the real client", () => {
  let api: ApiHarness;
  let owner: string;
  let member: string;
  beforeEach(async () => {
    api = await startApi({ rateLimit: { ratePerSecond: 0.001, burst: 30 }, maxBodyBytes: 1024 });
    await seedOrg(api.store, "acme", "alice@acme.com", [{ email: "mia@acme.com", role: "member" }]);
    owner = keyFor(api.store, "acme", "alice@acme.com");
    member = keyFor(api.store, "acme", "mia@acme.com");
  });
  afterEach(async () => {
    await api.close();
  });

  const client = (token: string) => new PortalClient({ baseUrl: api.url, token, retry: NO_RETRY });

  it("400, 401, 403, 404, 405, 409, 410, 413, 415, 422 and 429 as the table says", async () => {
    const invite = await api.store.invite(SYSTEM, "acme", "x@acme.com", "member");
    api.store.acceptInvitation(invite.token as string);
    const cases: [number, () => Promise<unknown>, string][] = [
      [
        400,
        () =>
          client(owner).request("POST", "/v1/orgs/acme/invitations", {
            body: {},
            headers: { "idempotency-key": "bad key with spaces" },
          }),
        "invalid",
      ],
      [401, () => client("rk_wrong").request("GET", "/v1/me"), "unauthenticated"],
      [
        403,
        () =>
          client(member).request("POST", "/v1/orgs/acme/invitations", {
            body: { email: "y@acme.com", role: "member" },
          }),
        "forbidden",
      ],
      [404, () => client(owner).request("GET", "/v1/nothing-here"), "not-found"],
      [405, () => client(owner).request("PUT", "/v1/me"), "invalid"],
      [
        409,
        () => client(owner).request("DELETE", "/v1/orgs/acme/members/alice%40acme.com"),
        "conflict",
      ],
      [
        410,
        () =>
          client(owner).request("POST", "/v1/invitations/accept", {
            body: { token: invite.token },
          }),
        "gone",
      ],
      [
        413,
        () =>
          client(owner).request("POST", "/v1/orgs/acme/invitations", {
            body: { email: "z@acme.com", role: "member", pad: "x".repeat(4096) },
          }),
        "invalid",
      ],
      [
        415,
        // The client always sends JSON: a fetch that relabels the body plays a broken client.
        () =>
          new PortalClient({
            baseUrl: api.url,
            token: owner,
            retry: NO_RETRY,
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                headers: {
                  ...(init?.headers as Record<string, string>),
                  "content-type": "text/plain",
                },
              }),
          }).request("POST", "/v1/orgs/acme/invitations", {
            body: { email: "z@acme.com", role: "member" },
          }),
        "invalid",
      ],
      [
        422,
        () =>
          client(owner).request("POST", "/v1/orgs/acme/invitations", {
            body: { email: "not-an-email", role: "member" },
          }),
        "invalid",
      ],
    ];
    for (const [status, request, code] of cases) {
      const error = await failure(request()).catch((e: Error) => {
        throw new Error(`${status}: ${e.message}`);
      });
      expect([status, error.code, error.transient]).toEqual([status, code, false]);
      expect(error.message).toContain(`HTTP ${status}:`);
    }
    // The bucket (30) is spent by now or soon: the client reads 429 as transient, with Retry-After.
    let limited: BackendError | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      await client(owner)
        .request("GET", "/v1/me")
        .catch((error: unknown) => {
          limited = error as BackendError;
        });
    }
    expect(limited).toMatchObject({ code: "rate-limited", transient: true });
    expect(limited?.retryAfterSeconds).toBeGreaterThan(0);
  });
});
