#!/usr/bin/env node
// The Google Groups backend's snapshot against a local fake of the Directory API, through the
// real @googleapis/admin client: calls and time for a group of N members (default 1,276, the
// size of the kubernetes GitHub org in FACTS.md, and 10,000). The baseline, measured in the
// same run with the same client, is what a per-member reader does (Terraform's provider):
// one list of the member keys, then one GET per member.
// Run after a build: `npm run build && node bench/google-snapshot.mjs [--members N]`.
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist/controller/adapters/backends/google/index.js");
if (!existsSync(dist)) {
  console.error(`build first: ${dist} is missing (npm run build)`);
  process.exit(1);
}
const { GoogleGroupsBackend } = await import(dist);
const { admin, auth } = await import("@googleapis/admin");

const i = process.argv.indexOf("--members");
const SIZES = i > 0 ? [Number(process.argv[i + 1])] : [1_276, 10_000];
const TOKEN = "bench-token";
const GROUP = "bench@acme.com";

function fakeDirectory(n) {
  const members = Array.from({ length: n }, (_, k) => ({
    kind: "admin#directory#member",
    id: String(k),
    email: `user${String(k).padStart(6, "0")}@acme.com`,
    role: k === 0 ? "OWNER" : k % 10 === 0 ? "MANAGER" : "MEMBER",
    type: "USER",
    status: "ACTIVE",
  }));
  const byEmail = new Map(members.map((m) => [m.email, m]));
  const state = { calls: 0 };
  const server = createServer((req, res) => {
    state.calls++;
    const url = new URL(req.url, "http://fake");
    const parts = decodeURIComponent(url.pathname).split("/").filter(Boolean);
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: 401 } });
    if (parts.length === 7) {
      const m = byEmail.get(parts[6]);
      return m ? send(200, m) : send(404, { error: { code: 404, message: "Resource Not Found" } });
    }
    const size = Math.min(200, Number(url.searchParams.get("maxResults") ?? 200));
    const start = Number(url.searchParams.get("pageToken") ?? 0);
    const page = members.slice(start, start + size);
    const next = start + size < members.length ? { nextPageToken: String(start + size) } : {};
    return send(200, { kind: "admin#directory#members", members: page, ...next });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, state, server }),
    ),
  );
}

function client() {
  const c = new auth.OAuth2();
  c.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return c;
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

for (const n of SIZES) {
  const fake = await fakeDirectory(n);
  const backend = new GoogleGroupsBackend({
    group: GROUP,
    org: "bench",
    credentials: { kind: "client", client: client() },
    rootUrl: fake.url,
  });
  await backend.snapshot("bench"); // warm-up: client and connection set up
  fake.state.calls = 0;
  const roster = await timed(() => backend.snapshot("bench"));
  const rosterCalls = fake.state.calls;

  const directory = admin({
    version: "directory_v1",
    auth: client(),
    rootUrl: fake.url,
    retry: false,
  });
  fake.state.calls = 0;
  const naive = await timed(async () => {
    const keys = [];
    let pageToken;
    do {
      const res = await directory.members.list({ groupKey: GROUP, maxResults: 200, pageToken });
      for (const m of res.data.members ?? []) keys.push(m.email);
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    const out = [];
    for (const key of keys) {
      out.push((await directory.members.get({ groupKey: GROUP, memberKey: key })).data);
    }
    return out;
  });
  const naiveCalls = fake.state.calls;

  console.log(
    `members=${n}: roster snapshot ${roster.ms.toFixed(0)} ms, ${rosterCalls} calls ` +
      `(${roster.value.members.length} members) | per-member baseline ${naive.ms.toFixed(0)} ms, ` +
      `${naiveCalls} calls | calls ÷${(naiveCalls / rosterCalls).toFixed(0)}, ` +
      `time ÷${(naive.ms / roster.ms).toFixed(1)}`,
  );
  await backend.close();
  fake.server.closeAllConnections();
  await new Promise((r) => fake.server.close(r));
}
