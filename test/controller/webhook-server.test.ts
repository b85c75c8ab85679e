import http from "node:http";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ControllerServer } from "../../controller/server/controller/controller-server.js";
import { startControllerServer } from "../../controller/server/controller/controller-server.js";
import { signGitHubPayload } from "../../controller/server/controller/webhook-signature.js";

// POST /webhook of `roster run` and `roster github serve`, attacked over real HTTP (issue 13).
const SECRET = "It's a Secret to Everybody";
let server: ControllerServer;
let events: string[];

beforeEach(async () => {
  events = [];
  server = await startControllerServer({
    host: "127.0.0.1",
    port: 0,
    registry: new Registry(),
    isHealthy: () => true,
    isReady: () => true,
    webhook: {
      secret: SECRET,
      onEvent: (event) => {
        events.push(event);
        return { accepted: true, message: "ok" };
      },
    },
  });
});
afterEach(async () => {
  await server.close();
});

function post(body: string, headers: Record<string, string>) {
  return fetch(`${server.url}/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", ...headers },
    body,
  });
}

/** Sends headers and a little of a body it never finishes; resolves with the status. */
function unfinished(headers: Record<string, string | number>, first: Buffer): Promise<number> {
  const url = new URL(`${server.url}/webhook`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      },
    );
    req.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
    });
    req.write(first);
  });
}

describe("webhook hardening", () => {
  it("refuses a valid signature followed by junk, and any signature that is not 64 hex digits", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const good = signGitHubPayload(SECRET, body);
    for (const signature of [`${good}zz`, `${good}0`, good.toUpperCase()]) {
      expect((await post(body, { "x-hub-signature-256": signature })).status).toBe(401);
    }
    expect(events).toEqual([]);
    expect((await post(body, { "x-hub-signature-256": good })).status).toBe(202);
    expect(events).toEqual(["push"]);
  });

  it("a redelivery (same X-GitHub-Delivery) is answered without a second effect", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const headers = {
      "x-hub-signature-256": signGitHubPayload(SECRET, body),
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    };
    expect((await post(body, headers)).status).toBe(202);
    const again = await post(body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({
      message: "delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958 already received",
    });
    // An unsigned request with a fresh id neither runs nor marks the id as seen.
    const forged = { ...headers, "x-github-delivery": "fresh", "x-hub-signature-256": "sha256=00" };
    expect((await post(body, forged)).status).toBe(401);
    expect((await post(body, { ...headers, "x-github-delivery": "fresh" })).status).toBe(202);
    expect(events).toEqual(["push", "push"]);
  });

  it("413 at once for a declared 200 MB body, without waiting for it", async () => {
    const status = await unfinished(
      { "content-type": "application/json", "content-length": 200 * 1024 * 1024 },
      Buffer.alloc(1024, 32),
    );
    expect(status).toBe(413);
  });

  it("413 as soon as a chunked body passes the cap, without reading to its end", async () => {
    const status = await unfinished(
      { "content-type": "application/json", "transfer-encoding": "chunked" },
      Buffer.alloc(6 * 1024 * 1024, 32),
    );
    expect(status).toBe(413);
    expect(events).toEqual([]);
  });
});
