// Bench: `roster validate` on 100,000 Members (one organization, 100 files of 1,000 documents,
// ~15 MB) against a floor measured in the same run: js-yaml's `loadAll` over the same files,
// the fastest mainstream JS YAML loader. Target: validate <= 2x the floor, peak RSS < 500 MB.
//
//   npm run build && node bench/validate.mjs [--members N] [--runs R]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/controller/cli/main.js");
const tree = path.join(root, "bench/out/validate-tree");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const MEMBERS = arg("members", 100_000);
const PER_FILE = 1_000;
const RUNS = arg("runs", 3);

function member(i) {
  return `apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata:
  name: user-${i}
spec:
  organization: bench
  email: user-${i}@example.com
  role: ${i === 0 ? "owner" : i % 50 === 0 ? "admin" : "member"}
${i % 10 === 0 ? `  github: user-${i}-gh\n` : ""}`;
}

function generate() {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(path.join(tree, "members"), { recursive: true });
  writeFileSync(
    path.join(tree, "organization.yaml"),
    `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata:
  name: bench
spec:
  displayName: Bench Inc.
  domains: [example.com]
  safety:
    maxRemovals: "5%"
`,
  );
  let bytes = 0;
  for (let start = 0; start < MEMBERS; start += PER_FILE) {
    const docs = [];
    for (let i = start; i < Math.min(start + PER_FILE, MEMBERS); i++) docs.push(member(i));
    const text = docs.join("---\n");
    bytes += text.length;
    const name = `members-${String(start / PER_FILE).padStart(4, "0")}.yaml`;
    writeFileSync(path.join(tree, "members", name), text);
  }
  return bytes;
}

function yamlFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The floor: read every file and js-yaml loadAll it, in this process (no startup cost). */
function floor() {
  const t0 = process.hrtime.bigint();
  let docs = 0;
  for (const file of yamlFiles(tree)) docs += yaml.loadAll(readFileSync(file, "utf8")).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, docs };
}

/** The built CLI as a user runs it; peak RSS from /usr/bin/time -v when present. */
function validate(args = ["validate", tree]) {
  const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
  const argv = [cli, ...args];
  const t0 = process.hrtime.bigint();
  const run = timeBin
    ? spawnSync(timeBin, ["-v", process.execPath, ...argv], { encoding: "utf8" })
    : spawnSync(process.execPath, ["--import", rssReporter(), ...argv], { encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (run.status !== 0) {
    throw new Error(`roster validate exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  }
  const kb = timeBin
    ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1])
    : Number(/maxRSS=(\d+)/.exec(run.stderr)?.[1]);
  return { ms, rssMb: kb / 1024, summary: run.stdout.trim().split("\n").pop() };
}

function rssReporter() {
  const file = path.join(root, "bench/out/rss-reporter.mjs");
  writeFileSync(
    file,
    'process.on("exit", () => process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\\n`));\n',
  );
  return file;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(cli)) throw new Error("build first: npm run build");
const bytes = generate();
console.log(
  `tree: ${MEMBERS} members in ${Math.ceil(MEMBERS / PER_FILE)} files, ${(bytes / 1e6).toFixed(1)} MB`,
);
const floors = [];
const runs = [];
const startups = [];
for (let i = 0; i < RUNS; i++) {
  floors.push(floor().ms);
  runs.push(validate());
  startups.push(validate(["--version"]).ms);
}
const floorMs = median(floors);
const validateMs = median(runs.map((r) => r.ms));
const rss = Math.max(...runs.map((r) => r.rssMb));
console.log(
  `floor  js-yaml loadAll (in-process, reads included): ${floorMs.toFixed(0)} ms (median of ${RUNS})`,
);
console.log(
  `roster validate (whole CLI process):               ${validateMs.toFixed(0)} ms (median of ${RUNS})`,
);
const startupMs = median(startups);
console.log(
  `of which CLI startup (roster --version):          ${startupMs.toFixed(0)} ms (median of ${RUNS})`,
);
console.log(`ratio: ${(validateMs / floorMs).toFixed(2)}x (target <= 2x)`);
console.log(`ratio without CLI startup: ${((validateMs - startupMs) / floorMs).toFixed(2)}x`);
console.log(`peak RSS: ${rss.toFixed(0)} MB (target < 500 MB)`);
console.log(`validate said: ${runs[0].summary}`);
