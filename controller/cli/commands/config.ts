import type { Command } from "commander";
import { DEFAULT_BACKEND_URI } from "../backend-uri.js";
import { CONFIG_KEYS, findConfigFile } from "../config-file.js";
import type { ConfigKey } from "../config-file.js";
import { DEFAULT_MAILER } from "../mailer-uri.js";
import { parseOutputFormat, printJson, renderTable } from "../output.js";
import { describeOrigin, resolveSetting, SETTING_ENV } from "../settings.js";

const DEFAULTS: Partial<Record<ConfigKey, string>> = {
  backend: DEFAULT_BACKEND_URI,
  mailer: DEFAULT_MAILER,
};

interface ConfigFlags extends Partial<Record<ConfigKey, string>> {
  output: string;
}

/** `roster config`: the settings every command would use here, and where each came from. */
export function registerConfig(program: Command): void {
  const command = program
    .command("config")
    .description(
      "Show the effective source, backend and mailer and where each came from " +
        "(flag, environment, roster.yaml or default)",
    );
  for (const key of CONFIG_KEYS) {
    command.option(`--${key} <value>`, `as the other commands take it (or ${SETTING_ENV[key]})`);
  }
  command
    .option("-o, --output <format>", "table|json", "table")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster config\n" +
        "  $ ROSTER_BACKEND=sqlite:/tmp/p.db roster config -o json",
    )
    .action((flags: ConfigFlags) => {
      const format = parseOutputFormat(flags.output, ["table", "json"] as const);
      const file = findConfigFile(process.cwd());
      const settings = CONFIG_KEYS.map((key) => {
        const flag = flags[key];
        const fallback = DEFAULTS[key];
        const resolved = resolveSetting(key, {
          env: process.env,
          ...(flag !== undefined ? { flag } : {}),
          ...(file ? { file } : {}),
          ...(fallback !== undefined ? { fallback } : {}),
        });
        const value = resolved.value === undefined ? null : maskPassword(resolved.value);
        return { key, value, origin: resolved.origin };
      });
      if (format === "json") return printJson({ file: file?.path ?? null, settings });
      process.stdout.write(
        renderTable(
          ["SETTING", "VALUE", "FROM"],
          settings.map((s) => [s.key, s.value ?? "-", describeOrigin(s.origin)]),
        ),
      );
      process.stdout.write(
        file
          ? `(roster.yaml: ${file.path})\n`
          : "(no roster.yaml here or above; `roster init` writes one)\n",
      );
    });
}

/**
 * `smtp://bob:secret@host` → `smtp://bob:***@host`: a password someone put in a URI is still a
 * secret, and this output goes to terminals and CI logs. The rest stays, to show what won.
 */
function maskPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, "$1:***@");
}
