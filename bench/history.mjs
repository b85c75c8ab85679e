#!/usr/bin/env node
// `roster history` over a repository of 2,000 first-parent commits × 1,000 members (issue 4:
// < 30 s). The repository is scripted with `git fast-import`: one organization, grants, role
// changes, revocations, ownership transfers, "(#N)" squash titles and real merge commits
// ("Merge pull request #N"). Three layouts: one file per member, teams of 50 members a file
// (every change there re-parses a 50-document file), and every member in ONE file (issue 15:
// every commit re-reads the whole membership; memory must not grow with history length). The floor measured in the same run is
// `git log --first-parent --name-only` plus reading every changed blob, the I/O any
// implementation needs.
// Run after a build: `npm run build && node bench/history.mjs [--commits N] [--members N] [--layout L]`.
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/controller/cli/main.js");
// Reports the CLI's CPU time and peak RSS: CPU time is what a busy machine distorts least.
const hook = path.join(root, "bench/rss-hook.mjs");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COMMITS = arg("--commits", 2_000);
const MEMBERS = arg("--members", 1_000);
const TEAM_SIZE = 50;
// `--cli-heap MB` caps the CLI's V8 heap: it tells retained memory from garbage not yet collected.
const CLI_HEAP = arg("--cli-heap", 0);
const heapFlags = CLI_HEAP > 0 ? [`--max-old-space-size=${CLI_HEAP}`] : [];
const ORG = "bench";
// `--lengths 500,1000`: the one-file layout at each history length (issue 15), see lengths().
const LENGTHS = process.argv.includes("--lengths")
  ? process.argv[process.argv.indexOf("--lengths") + 1].split(",").map(Number)
  : null;

if (!existsSync(cli)) {
  console.error(`build first: ${cli} is missing (npm run build)`);
  process.exit(1);
}

const home = path.join(os.tmpdir(), `roster-bench-history-${process.pid}`);
const env = {
  PATH: process.env.PATH,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: path.join(home, "none"),
  LC_ALL: "C",
};

/** A small deterministic PRNG (mulberry32): the same repository on every run. */
function prng(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const API = "apiVersion: roster.workjet.io/v1alpha1";
const memberDoc = (m) =>
  `${API}\nkind: Member\nmetadata:\n  name: m${m.id}\nspec:\n  organization: ${ORG}\n  email: user${m.id}@bench.example.com\n  role: ${m.role}\n`;
const orgDoc = `${API}\nkind: Organization\nmetadata:\n  name: ${ORG}\nspec:\n  displayName: Bench\n  domains: [bench.example.com]\n`;

/**
 * Writes the fast-import stream of the whole history, for one layout, to the file `fd`, a commit
 * at a time: held in memory it is 400 MB for one-file at 1,000 commits (a string too long for V8
 * at 2,000), and a child process spawned meanwhile inherited it in its getrusage peak.
 */
function script(layout, commits, fd) {
  const rand = prng(42);
  const members = new Map();
  let nextId = 0;
  const add = (role) => {
    const m = { id: nextId++, role, team: Math.floor(members.size / TEAM_SIZE) };
    members.set(m.id, m);
    return m;
  };
  add("owner");
  while (members.size < MEMBERS) add(members.size % 20 === 0 ? "admin" : "member");

  const fileOf = (m) =>
    layout === "per-member"
      ? `members/m${m.id}.yaml`
      : layout === "one-file"
        ? "members.yaml"
        : `teams/t${m.team}.yaml`;
  const content = (file) => {
    const docs = [...members.values()].filter((m) => fileOf(m) === file).map(memberDoc);
    return docs.length ? docs.join("---\n") : null;
  };
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let mark = 0;
  let pr = 0;
  let time = Date.UTC(2020, 0, 1) / 1000;
  const commit = (ref, message, files, parents, extra = "") => {
    mark++;
    time += 3600;
    const who = `Dev ${mark % 7} <dev${mark % 7}@bench.example.com> ${time} +0000`;
    let out = `commit ${ref}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\n${data(message)}`;
    if (parents[0]) out += `from :${parents[0]}\n`;
    if (parents[1]) out += `merge :${parents[1]}\n`;
    for (const file of files) {
      const text = content(file);
      out += text === null ? `D ${file}\n` : `M 100644 inline ${file}\n${data(text)}`;
    }
    writeSync(fd, out + extra);
    return mark;
  };

  const all = new Set([...members.values()].map(fileOf));
  const orgFile = `M 100644 inline organization.yaml\n${data(orgDoc)}`;
  let head = commit("refs/heads/main", "Import the organization", [...all], [], orgFile);
  const owner = () => [...members.values()].find((m) => m.role === "owner");
  const pick = () => {
    const ids = [...members.keys()];
    return members.get(ids[Math.floor(rand() * ids.length)]);
  };
  for (let i = 1; i < commits; i++) {
    const touched = new Set();
    let title;
    const r = rand();
    if (i % 100 === 0) {
      const from = owner();
      const to = pick();
      if (to !== from) {
        from.role = "admin";
        to.role = "owner";
        touched.add(fileOf(from)).add(fileOf(to));
      }
      title = "Transfer ownership";
    } else if (r < (members.size < MEMBERS ? 0.5 : 0.2)) {
      const m = add(rand() < 0.1 ? "admin" : "member");
      m.team = Math.floor(rand() * (MEMBERS / TEAM_SIZE));
      touched.add(fileOf(m));
      title = `Add user${m.id}`;
    } else if (r < 0.7) {
      const m = pick();
      if (m.role !== "owner") {
        m.role = m.role === "admin" ? "member" : "admin";
        touched.add(fileOf(m));
      }
      title = `Change role of user${m.id}`;
    } else {
      const m = pick();
      if (m.role !== "owner") {
        members.delete(m.id);
        touched.add(fileOf(m));
      }
      title = `Remove user${m.id}`;
    }
    if (i % 5 === 0) {
      // A real merge: the change on a side branch, then "Merge pull request #N" on main.
      const side = commit(`refs/heads/pr-${++pr}`, title, [...touched], [head]);
      head = commit(
        "refs/heads/main",
        `Merge pull request #${pr} from bench/pr-${pr}\n\n${title}`,
        [...touched],
        [head, side],
      );
    } else {
      head = commit(
        "refs/heads/main",
        i % 2 === 0 ? `${title} (#${++pr})` : title,
        [...touched],
        [head],
      );
    }
  }
}

function buildRepo(layout, commits = COMMITS) {
  const dir = path.join(home, `${layout}-${commits}`);
  mkdirSync(dir, { recursive: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir], { env });
  const started = performance.now();
  const stream = path.join(home, "fast-import.stream");
  const out = openSync(stream, "w");
  script(layout, commits, out);
  closeSync(out);
  const input = openSync(stream, "r");
  try {
    execFileSync("git", ["fast-import", "--quiet"], {
      cwd: dir,
      env,
      stdio: [input, "ignore", "inherit"],
    });
  } finally {
    closeSync(input);
    rmSync(stream, { force: true });
  }
  return { dir, seconds: (performance.now() - started) / 1000 };
}

function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = [];
    let err = "";
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const usage = /BENCH_MAX_RSS_KB=(\d+) BENCH_CPU_US=(\d+)/.exec(err);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err}`));
      resolve({
        seconds,
        stdout: Buffer.concat(out).toString("utf8"),
        cpu: usage ? Number(usage[2]) / 1e6 : NaN,
        rssMb: usage ? Number(usage[1]) / 1024 : NaN,
      });
    });
  });
}

/** The floor: list the commits with their changed files, and read every changed blob once. */
async function floor(dir) {
  const started = performance.now();
  const log = await timed("git", [
    "--git-dir",
    dir,
    "log",
    "--first-parent",
    "--reverse",
    "--no-renames",
    "--diff-merges=first-parent",
    "--name-only",
    "--format=%x1e%H",
    "main",
  ]);
  const wants = [];
  for (const record of log.stdout.split("\x1e").slice(1)) {
    const [sha, ...files] = record.split("\n").filter(Boolean);
    for (const f of files) wants.push(`${sha}:${f}`);
  }
  // Read as a stream and dropped, as the CLI does: buffered whole it is 600 MB at 2,000 commits.
  await new Promise((resolve, reject) => {
    const child = spawn("git", ["--git-dir", dir, "cat-file", "--batch"], {
      env,
      stdio: ["pipe", "pipe", "inherit"],
    });
    child.stdout.on("data", () => undefined);
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`cat-file ${code}`))));
    child.stdin.end(wants.join("\n") + "\n");
  });
  return (performance.now() - started) / 1000;
}

async function layouts() {
  const layouts = process.argv.includes("--layout")
    ? [process.argv[process.argv.indexOf("--layout") + 1]]
    : ["per-member", "teams-of-50", "one-file"];
  for (const layout of layouts) {
    const repo = buildRepo(layout);
    const base = await floor(repo.dir);
    const run = await timed(process.execPath, [
      ...heapFlags,
      "--import",
      hook,
      cli,
      "history",
      "--repo",
      repo.dir,
      "-o",
      "json",
    ]);
    const entries = JSON.parse(run.stdout);
    const access = await timed(process.execPath, [
      ...heapFlags,
      "--import",
      hook,
      cli,
      "access",
      "--repo",
      repo.dir,
      "--at",
      "2030-01-01",
      "-o",
      "json",
    ]);
    const members = JSON.parse(access.stdout).members.length;
    console.log(
      `${layout.padEnd(12)} fast-import ${repo.seconds.toFixed(1)} s | floor (git log + cat-file) ${base.toFixed(2)} s | ` +
        `history ${run.seconds.toFixed(2)} s wall, ${run.cpu.toFixed(2)} s CPU, ${run.rssMb.toFixed(0)} MB (${entries.length} changes, ${(run.seconds / base).toFixed(1)}× floor) | ` +
        `access --at ${access.seconds.toFixed(2)} s wall, ${access.cpu.toFixed(2)} s CPU (${members} members) | target < 30 s: ${run.seconds < 30 ? "met" : "MISSED"}`,
    );
  }
}

/** The largest heap left after a full collection (`--trace-gc`): what the walk really keeps. */
async function liveHeapMb(dir) {
  const run = await timed(process.execPath, [
    "--trace-gc",
    cli,
    "history",
    "--repo",
    dir,
    "-o",
    "json",
  ]);
  const after = [...run.stdout.matchAll(/Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/g)];
  return Math.max(0, ...after.map((m) => Number(m[1])));
}

/**
 * Issue 15: memory must not grow with history length. The one-file layout at each length (peak
 * RSS, CPU, live heap), and the per-member layout at the longest, for the CPU ratio.
 */
async function lengths(list) {
  const results = [];
  for (const commits of list) {
    const repo = buildRepo("one-file", commits);
    const run = await historyRun(repo.dir);
    const live = await liveHeapMb(repo.dir);
    results.push({ commits, ...run, live });
    console.log(
      `one-file   ${String(commits).padStart(5)} commits | history ${run.seconds.toFixed(2)} s wall, ` +
        `${run.cpu.toFixed(2)} s CPU, peak RSS ${run.rssMb.toFixed(0)} MB, live heap after full GC ` +
        `${live.toFixed(1)} MB (${run.changes} changes)`,
    );
  }
  const longest = Math.max(...list);
  const baseline = await historyRun(buildRepo("per-member", longest).dir);
  console.log(
    `per-member ${String(longest).padStart(5)} commits | history ${baseline.seconds.toFixed(2)} s wall, ` +
      `${baseline.cpu.toFixed(2)} s CPU, peak RSS ${baseline.rssMb.toFixed(0)} MB (${baseline.changes} changes)`,
  );
  const last = results.find((r) => r.commits === longest);
  const rss = results.map((r) => r.rssMb);
  const ratio = last.cpu / baseline.cpu;
  const peak = Math.max(...rss);
  const spread = peak - Math.min(...rss);
  console.log(
    `one-file CPU at ${longest} commits = ${ratio.toFixed(2)}× per-member (target ≤ 2×: ${ratio <= 2 ? "met" : "MISSED"}); ` +
      `peak RSS ${rss.map((r) => r.toFixed(0)).join(" / ")} MB at ${list.join(" / ")} commits ` +
      `(target < 200 MB: ${peak < 200 ? "met" : "MISSED"}; spread ${spread.toFixed(0)} MB)`,
  );
}

async function historyRun(dir) {
  const run = await timed(process.execPath, [
    ...heapFlags,
    "--import",
    hook,
    cli,
    "history",
    "--repo",
    dir,
    "-o",
    "json",
  ]);
  return { ...run, changes: JSON.parse(run.stdout).length };
}

rmSync(home, { recursive: true, force: true });
mkdirSync(home, { recursive: true });
writeFileSync(path.join(home, "none"), "");
try {
  console.log(
    `roster history: ${LENGTHS ? LENGTHS.join(" and ") : COMMITS} first-parent commits, ${MEMBERS} members ` +
      `(node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)})`,
  );
  if (LENGTHS) await lengths(LENGTHS);
  else await layouts();
} finally {
  rmSync(home, { recursive: true, force: true });
}
