import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerProcess } from "../http/server-process.js";
import { E2E_TIMEOUT_MS, Workspace } from "./harness.js";

/** The accept link of the newest mail to `email` in the outbox, as a mail client shows it. */
function linkInMail(ws: Workspace, email: string): string {
  const outbox = path.join(ws.dir, ".roster", "outbox");
  const file = readdirSync(outbox)
    .filter((f) => f.endsWith(`-${email.replace("@", "_")}.eml`))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no mail to ${email}`);
  // Quoted-printable: soft line breaks and `=3D` for "=".
  const raw = readFileSync(path.join(outbox, file), "utf8")
    .replace(/=\r?\n/g, "")
    .replace(/=3D/g, "=");
  const link = /^(http:\/\/127\.0\.0\.1:\d+\/accept\?token=ri_[A-Za-z0-9_-]+)$/m.exec(raw)?.[1];
  if (!link) throw new Error(`no accept link in ${file}`);
  return link;
}

describe("the invitation link in a real browser", { timeout: E2E_TIMEOUT_MS }, () => {
  let browser: Browser;
  let ws: Workspace;
  let serve: ServerProcess;

  beforeAll(async () => {
    ws = new Workspace();
    ws.declareOrg(
      "acme",
      { "alice@acme.com": "owner", "bob@acme.com": "admin", "old@acme.com": "member" },
      { displayName: "Acme <Labs>", domains: ["acme.com"] },
    );
    // The Portal first (its address goes into the mail), then the apply that invites.
    expect((await ws.roster(["portal", "init", "--backend", ws.backend])).code).toBe(0);
    serve = await ServerProcess.start(["--backend", ws.backend, "--listen", "127.0.0.1:0"], ws.dir);
    const applied = await ws.apply("--accept-url", serve.url);
    expect(applied.code).toBe(0);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    expect(await serve?.stop()).toBe(0);
    ws?.cleanup();
  });

  it("opens the link from the .eml, shows org and role, and accepting makes a membership", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(serve.url)) outside.push(r.url());
    });
    const response = await page.goto(linkInMail(ws, "bob@acme.com"));
    expect(response?.status()).toBe(200);
    expect(await page.textContent("#org")).toBe("Acme <Labs>");
    expect(await page.textContent("#role")).toBe("admin");
    expect(await page.textContent("body")).toContain("Invite and remove users");
    expect(ws.members("acme")).toEqual({ "alice@acme.com": "owner" });

    await page.click("#accept");
    await page.waitForSelector("#done");
    expect(await page.textContent("#done")).toBe("You joined Acme <Labs>");
    expect(ws.members("acme")).toEqual({ "alice@acme.com": "owner", "bob@acme.com": "admin" });
    expect(outside).toEqual([]);

    // The same link again: already used.
    const again = await page.goto(linkInMail(ws, "bob@acme.com"));
    expect(again?.status()).toBe(410);
    expect(await page.textContent("#dead")).toBe("This invitation was already used");
    await page.close();
  });

  it("an expired link shows its page, says to ask for a resend, and offers no button", async () => {
    ws.exec(
      "UPDATE invitations SET expires_at = ? WHERE email = 'old@acme.com'",
      "2020-01-01T00:00:00.000Z",
    );
    const page = await browser.newPage();
    const response = await page.goto(linkInMail(ws, "old@acme.com"));
    expect(response?.status()).toBe(410);
    expect(await page.textContent("#dead")).toBe("This invitation has expired");
    expect(await page.textContent("body")).toContain("resend the invitation");
    expect(await page.$("#accept")).toBeNull();
    expect(ws.members("acme")).not.toHaveProperty("old@acme.com");
    await page.close();
  });
});
