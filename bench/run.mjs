// Runs every benchmark one after the other (`npm run bench`, after the build it does), or only
// the ones named: `npm run bench -- validate plan-pure`. Each script prints its own figures and
// ratios against a baseline measured in the same run; see bench/README.md for what they mean.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL = [
  ["validate", []],
  ["plan-pure", ["--expose-gc"]],
  ["plan-command", []],
  ["sqlite-snapshot", []],
  ["mail-outbox", []],
  ["history", []],
  ["http-apply", []],
  ["two-writers", []],
  ["google-snapshot", []],
  ["cli-startup", []],
  ["source-pass", []],
  ["journal-intents", []],
];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !ALL.some(([n]) => n === name));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(", ")}; known: ${ALL.map(([n]) => n).join(", ")}`);
  process.exit(1);
}
let failed = 0;
for (const [name, nodeFlags] of ALL) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== bench/${name}.mjs`);
  const run = spawnSync(process.execPath, [...nodeFlags, path.join(here, `${name}.mjs`)], {
    stdio: "inherit",
  });
  if (run.status !== 0) {
    failed++;
    console.error(`bench/${name}.mjs exited with ${run.status ?? run.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
