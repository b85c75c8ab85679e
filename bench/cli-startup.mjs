// Bench: what the first-hour features cost every command. The CLI's start-up (`--version`),
// `roster config` (lilconfig's upward search for roster.yaml through 30 folders to the Git root)
// and `roster completion bash` (a walk of the whole commander tree), against the floor measured
// in the same run: `node` starting and exiting. Target: config within 50 ms of --version.
//
//   npm run build && node bench/cli-startup.mjs [--runs R]
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/controller/cli/main.js");
const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 21;

const top = path.join(root, "bench/out/cli-startup");
rmSync(top, { recursive: true, force: true });
const deep = path.join(top, ...Array.from({ length: 30 }, (_, n) => `d${n}`));
mkdirSync(deep, { recursive: true });
mkdirSync(path.join(top, ".git"));
writeFileSync(path.join(top, "roster.yaml"), "source: orgs\nbackend: sqlite:.roster/p.db\n");

/** Median wall time of each command; runs are interleaved so a busy machine slows all alike. */
function medians(commands) {
  const times = commands.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    commands.forEach(([, args, cwd], c) => {
      const start = performance.now();
      const run = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
      times[c].push(performance.now() - start);
      if (run.status !== 0) throw new Error(`${args.join(" ")}: ${run.stderr}`);
    });
  }
  return commands.map(([name], c) => {
    const sorted = times[c].sort((a, b) => a - b);
    return [name, sorted[Math.floor(sorted.length / 2)]];
  });
}

const rows = medians([
  ["node -e 0 (floor)", ["-e", "0"], root],
  ["roster --version", [cli, "--version"], root],
  ["roster config (roster.yaml 30 folders up)", [cli, "config"], deep],
  ["roster completion bash", [cli, "completion", "bash"], root],
]);
const floor = rows[0][1];
for (const [name, ms] of rows) {
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / floor).toFixed(2)}x floor`,
  );
}
const extra = rows[2][1] - rows[1][1];
console.log(`config over --version: ${extra.toFixed(1)} ms (target <= 50 ms)`);
rmSync(top, { recursive: true, force: true });
process.exit(extra <= 50 ? 0 : 1);
