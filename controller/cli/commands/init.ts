import type { Command } from "commander";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { gitRoot } from "../config-file.js";
import { gitUserEmail, scaffoldFiles } from "../scaffold.js";
import type { ScaffoldFile } from "../scaffold.js";

interface InitFlags {
  org?: string;
  owner?: string;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "Scaffold an access repository: an Organization and its owner, roster.yaml, " +
        ".gitignore and the pull-request workflow; then say what to do next",
    )
    .argument("[dir]", "folder to create or fill (must not hold these files yet)", ".")
    .option("--org <name>", "the organization's slug (default: the folder's name)")
    .option("--owner <email>", "the owner's email (default: git config user.email)")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster init access --org acme --owner alice@acme.com\n" +
        "  $ cd access && roster validate && roster apply",
    )
    .action((dir: string, flags: InitFlags) => {
      const target = path.resolve(dir);
      const org = flags.org ?? path.basename(target).toLowerCase();
      const owner = flags.owner ?? gitUserEmail(existsSync(target) ? target : process.cwd());
      if (owner === undefined) {
        throw new UsageError(
          "who owns the organization? pass --owner EMAIL (git has no user.email)",
        );
      }
      const files = scaffoldFiles({ org, owner });
      const clashes = files
        .filter((f) => f.path !== ".gitignore" && existsSync(path.join(target, f.path)))
        .map((f) => f.path);
      if (clashes.length > 0) {
        throw new UsageError(
          `${dir} already has ${clashes.join(", ")}: nothing written (move them away, or init another folder)`,
        );
      }
      for (const file of files) write(target, file);
      process.stdout.write(nextSteps(dir, target, org, files));
    });
}

/** Writes one file; `.gitignore` is extended rather than replaced. */
function write(root: string, file: ScaffoldFile): void {
  const full = path.join(root, file.path);
  mkdirSync(path.dirname(full), { recursive: true });
  if (file.path === ".gitignore" && existsSync(full)) {
    const old = readFileSync(full, "utf8");
    if (/^\/?\.roster\/?$/m.test(old)) return;
    writeFileSync(full, `${old}${old.endsWith("\n") || old === "" ? "" : "\n"}${file.text}`);
    return;
  }
  writeFileSync(full, file.text);
}

function nextSteps(dir: string, target: string, org: string, files: ScaffoldFile[]): string {
  const width = Math.max(...files.map((f) => f.path.length)) + 2;
  const lines = [`Scaffolded an access repository in ${dir}:`];
  for (const f of files) lines.push(`  ${f.path.padEnd(width)}${f.purpose}`);
  lines.push("", "Next:");
  if (path.resolve(dir) !== process.cwd()) lines.push(`  cd ${dir}`);
  lines.push(
    "  roster validate        # check the YAML (roster.yaml names the source)",
    `  roster apply           # create ${org} in the local store .roster/portal.db`,
    "  roster plan            # from now on: what apply would change",
  );
  if (gitRoot(target) === undefined) {
    lines.push(`  git init && git add . && git commit -m "Declare ${org}"`);
  }
  lines.push(
    "  git push, then require the roster check run in the branch rule (the workflow pins @workjet/roster)",
    "",
  );
  return lines.join("\n");
}
