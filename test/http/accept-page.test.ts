import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../controller/model/index.js";
import type { ApiHarness } from "./harness.js";
import { SYSTEM, seedOrg, startApi } from "./harness.js";

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, "acme", "alice@acme.com");
  api.store.updateOrganization(SYSTEM, "acme", {
    ...api.store.snapshot("acme")!.settings,
    displayName: `<script>alert("x")</script> & Co`,
  });
});
afterEach(() => api.close());

async function invite(email: string, role: "admin" | "member" = "member"): Promise<string> {
  await api.store.invite(
    { kind: "user", email: "alice@acme.com", role: "owner" },
    "acme",
    email,
    role,
  );
  return api.mailer.tokenFor(email);
}

async function page(token: string): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(`${api.url}/accept?token=${encodeURIComponent(token)}`);
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** The hidden fields of the page's form, as a browser would post them. */
function formOf(html: string): URLSearchParams {
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, "&") ?? "";
  return new URLSearchParams({ token: field("token"), csrf: field("csrf") });
}

function post(form: URLSearchParams, headers: Record<string, string> = {}) {
  return fetch(`${api.url}/accept`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: form.toString(),
  }).then(async (r) => ({ status: r.status, html: await r.text() }));
}

const pendingCount = () =>
  api.store.listInvitations(SYSTEM, "acme").items.filter((i) => i.status === "pending").length;

describe("the accept page (GET /accept?token=…)", () => {
  it("shows org, role and its permissions from the matrix, the inviter and the expiry, escaped, loading nothing", async () => {
    const token = await invite("bob@acme.com", "admin");
    const { status, html, headers } = await page(token);
    expect(status).toBe(200);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co");
    expect(html).not.toContain("<script");
    expect(html).toContain('<strong id="role">admin</strong>');
    expect(html).toContain("alice@acme.com");
    expect(html).toMatch(/expires on <strong>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/strong>/);
    for (const p of PERMISSIONS) {
      expect(html).toContain(`<td>${p.admin ? "✓ yes" : "✗ no"}</td><td>${p.label}</td>`);
    }
    // No external request: nothing with a src or an href to elsewhere, and a CSP saying so.
    expect(html).not.toMatch(/\ssrc=|<link|https?:\/\//);
    expect(headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(headers.get("referrer-policy")).toBe("same-origin");
    expect(headers.get("cache-control")).toBe("no-store");
  });

  it("answers 404 for an unknown or replaced link and 410 for an expired, used or cancelled one", async () => {
    expect((await page("ri_nope")).status).toBe(404);
    expect((await fetch(`${api.url}/accept`)).status).toBe(404);

    const old = await invite("dan@acme.com");
    await api.store.resendInvite(SYSTEM, "acme", "dan@acme.com");
    const replaced = await page(old);
    expect(replaced.status).toBe(404);
    expect(replaced.html).toContain("resend");

    const cancelled = await invite("cat@acme.com");
    api.store.cancelInvite(SYSTEM, "acme", "cat@acme.com");
    const gone = await page(cancelled);
    expect(gone.status).toBe(410);
    expect(gone.html).toContain("This invitation was cancelled");

    const used = await invite("eve@acme.com");
    api.store.acceptInvitation(used);
    expect((await page(used)).status).toBe(410);
    expect((await page(used)).html).toContain("already used");
  });
});

describe("accepting (POST /accept, the token in the form body)", () => {
  it("accepts with the page's form and shows a confirmation; a second post says it was used", async () => {
    const token = await invite("bob@acme.com", "admin");
    const form = formOf((await page(token)).html);
    const done = await post(form, { origin: api.url, "sec-fetch-site": "same-origin" });
    expect(done.status).toBe(200);
    expect(done.html).toContain('<h1 id="done">You joined');
    expect(api.store.snapshot("acme")!.members).toContainEqual(
      expect.objectContaining({ email: "bob@acme.com", role: "admin" }),
    );
    const again = await post(form);
    expect(again.status).toBe(410);
    expect(again.html).toContain("already used");
  });

  it("refuses a cross-site post, a forged or missing anti-forgery token, and a non-form body", async () => {
    const token = await invite("bob@acme.com");
    const form = formOf((await page(token)).html);
    const attempts = [
      await post(form, { origin: "https://evil.example" }),
      await post(form, { origin: "null" }),
      await post(form, { "sec-fetch-site": "cross-site" }),
      await post(form, { "sec-fetch-site": "same-site" }),
      await post(new URLSearchParams({ token })),
      await post(new URLSearchParams({ token, csrf: form.get("csrf")!.replace(/.$/, "x") })),
    ];
    expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
    // A page's anti-forgery token is good for its own invitation only.
    const other = await invite("dan@acme.com");
    const stolen = await post(new URLSearchParams({ token: other, csrf: form.get("csrf")! }));
    expect(stolen.status).toBe(403);
    const json = await fetch(`${api.url}/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(form)),
    });
    expect(json.status).toBe(415);
    expect(pendingCount()).toBe(2);
    expect((await fetch(`${api.url}/accept`, { method: "DELETE" })).status).toBe(405);
  });

  it("an invitation that expired after the page was shown is refused with 410", async () => {
    const token = await invite("bob@acme.com");
    const form = formOf((await page(token)).html);
    api.store.db
      .prepare("UPDATE invitations SET expires_at = ? WHERE email = 'bob@acme.com'")
      .run(new Date(Date.now() - 1000).toISOString());
    const late = await post(form);
    expect(late.status).toBe(410);
    expect(late.html).toContain("This invitation has expired");
    expect(late.html).toContain("resend");
    expect(api.store.listInvitations(SYSTEM, "acme").items[0]!.status).toBe("expired");
    expect(api.store.snapshot("acme")!.members.map((m) => m.email)).toEqual(["alice@acme.com"]);
  });
});
