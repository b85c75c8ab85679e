import type { Command } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";
import { exportOrganization } from "../export-yaml.js";

interface ExportFlags {
  backend: string;
  tokenFile?: string;
  org?: string;
  out?: string;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("Write the backend's organizations and members as Roster YAML (to adopt them)")
    .option(
      "--backend <uri>",
      "identity backend (or ROSTER_BACKEND, roster.yaml)",
      DEFAULT_BACKEND_URI,
    )
    .option("--token-file <file>", "API key for an http(s) backend (or set ROSTER_TOKEN)")
    .option("--org <org>", "only this organization")
    .option("--out <dir>", "write one <org>.yaml per organization into DIR instead of stdout")
    .addHelpText(
      "after",
      "\nExample:\n  $ roster export --backend sqlite:.roster/portal.db --out members/\n  $ roster export --org acme > acme.yaml",
    )
    .action(async (flags: ExportFlags) => {
      // Read-only: a mistyped path is an error, not a new empty store.
      const opened = await openBackend(flags.backend, {
        create: false,
        ...(flags.tokenFile !== undefined ? { tokenFile: flags.tokenFile } : {}),
      });
      try {
        const orgs =
          flags.org !== undefined ? [flags.org] : await opened.backend.listOrganizations();
        const texts: { org: string; text: string }[] = [];
        for (const org of [...orgs].sort()) {
          const actual = await opened.backend.snapshot(org);
          if (actual === null) throw new UsageError(`the backend has no organization ${org}`);
          const exported = exportOrganization(actual);
          for (const w of exported.warnings) process.stderr.write(`roster: warning: ${w}\n`);
          texts.push(exported);
        }
        if (flags.out === undefined) {
          process.stdout.write(texts.map((t) => t.text).join("---\n"));
          return;
        }
        await mkdir(flags.out, { recursive: true });
        for (const t of texts) {
          const file = path.join(flags.out, `${t.org}.yaml`);
          await writeFile(file, t.text);
          process.stderr.write(`wrote ${file}\n`);
        }
      } finally {
        await opened.close();
      }
    });
}
