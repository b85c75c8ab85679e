import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import { CLI } from "../e2e-apply/harness.js";
import type { LifecycleHistory } from "./lifecycle-history.js";
import { buildLifecycleHistory, member } from "./lifecycle-history.js";

let h: LifecycleHistory;
let browser: Browser;
let out: string;
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  h = buildLifecycleHistory();
  // An author name with markup characters (git itself strips < and >): escaped, shown as text.
  h.repo.write("members/gus.yaml", member("gus", "gus@acme.com", "member"));
  h.repo.commit("Add gus (#8)", "2026-03-03T09:00:00Z", {
    name: `Tom & "Jerry" O'Neil`,
    email: "x@acme.com",
  });
  const db = path.join(h.repo.root, "portal.db");
  const opened = openSqlite(db);
  await opened.state.appendJournal({
    time: "2026-02-10T12:05:00.000Z",
    org: "acme",
    action: "remove",
    email: "carol@acme.com",
    revision: h.sha.removeCarol,
    result: "applied",
  });
  await opened.close();
  out = path.join(h.repo.root, "report");
  run = spawnSync(
    process.execPath,
    [CLI, "report", "--repo", h.repo.dir, "--out", out, "--backend", `sqlite:${db}`],
    {
      cwd: h.repo.root,
      env: h.repo.env,
      encoding: "utf8",
    },
  );
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
}, 180_000);

afterAll(async () => {
  await browser?.close();
  h?.repo.cleanup();
});

describe("roster report in a real browser (headless Chromium)", { timeout: 120_000 }, () => {
  it("opens from disk: every member in the DOM, a drawn timeline, a non-blank page, no request leaves it", async () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`wrote ${path.join(out, "index.html")} (1 organization)\n`);
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toContain("Tom &amp; &quot;Jerry&quot; O&#39;Neil &lt;x@acme.com&gt;");

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path.join(out, "index.html")).href);

    const text = (selector: string) => page.locator(selector).allTextContents();
    expect(await text("table.access-now tbody th[scope=row]")).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "frank@ext.io",
      "gus@acme.com",
    ]);
    expect(await page.locator("table.access-now caption").textContent()).toMatch(
      /Who has access to acme now \(4 members\)/,
    );
    const headers = await page.locator("table.access-now thead th").count();
    expect(headers).toBe(7);
    expect(await page.locator("table.access-now thead th[scope=col]").count()).toBe(headers);
    // Everyone who ever had access is drawn, with a mark per event: 8 changes + gus's grant.
    const marks = page.locator("svg.timeline g.mark");
    const changes: string[] = [];
    for (let i = 0; i < (await marks.count()); i++) {
      changes.push((await marks.nth(i).getAttribute("data-change")) ?? "");
    }
    expect(changes.sort()).toEqual([
      "expired",
      "granted",
      "granted",
      "granted",
      "granted",
      "granted",
      "granted",
      "revoked",
      "roleChanged",
    ]);
    expect(await page.locator("svg.timeline rect.span").count()).toBeGreaterThanOrEqual(6);
    expect(await text("svg.timeline text.who")).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "eve@ext.io",
      "frank@ext.io",
      "gus@acme.com",
    ]);
    expect((await page.locator("svg.timeline").boundingBox())?.height).toBeGreaterThan(100);
    // The author is shown as text in the events table.
    expect(await text("table.events td")).toContain(`Tom & "Jerry" O'Neil <x@acme.com>`);
    expect(await page.locator("table.leavers caption").textContent()).toContain(
      "3 revocations, 1 applied, 2 not applied; worst gap 5m 0s",
    );
    expect(await page.locator(".review-status").textContent()).toMatch(
      /Latest access review 2026-03-02T08:00:00Z by alice@acme\.com/,
    );

    const shot = await page.locator("svg.timeline").screenshot({ type: "png" });
    const variance = await pixelVariance(shot);
    expect(variance).toBeGreaterThan(100);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);

    // Printable: under print media each organization starts a page and the timeline stays.
    await page.emulateMedia({ media: "print" });
    const print = await page.evaluate<[string, string, boolean]>(
      `[getComputedStyle(document.querySelector("svg.timeline")).display, getComputedStyle(document.querySelector("h2")).breakInside, [...document.styleSheets[0].cssRules].some((r) => r.media && r.media.mediaText === "print")]`,
    );
    expect(print[0]).not.toBe("none");
    expect(print[2]).toBe(true);
    await page.close();
  });
});

/** Luminance variance of a PNG, decoded by the browser itself (a blank image gives ~0). */
async function pixelVariance(png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    // A string: the code runs in the page (DOM types are not part of this Node project).
    const script = `(async () => {
      const img = new Image();
      img.src = "data:image/png;base64,${png.toString("base64")}";
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      let sum = 0, sq = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const l = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        sum += l;
        sq += l * l;
      }
      return sq / n - (sum / n) ** 2;
    })()`;
    return await page.evaluate<number>(script);
  } finally {
    await page.close();
  }
}
