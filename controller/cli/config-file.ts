import { existsSync } from "node:fs";
import path from "node:path";
import { lilconfigSync } from "lilconfig";
import { parse as parseYaml } from "yaml";
import { closest } from "../schema/messages.js";
import { UsageError } from "./errors.js";

/** The settings a `roster.yaml` may hold: the options people would otherwise retype. */
export const CONFIG_KEYS = ["source", "backend", "mailer"] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export const CONFIG_FILE_NAMES = ["roster.yaml", "roster.yml"];

export interface ConfigFile {
  path: string;
  values: Partial<Record<ConfigKey, string>>;
}

/**
 * The `roster.yaml` of the repository we are in: searched from `cwd` upward, stopping at the
 * Git work tree's root (like `.terraformrc` or a kubeconfig, found without being named).
 * Relative paths in it are relative to the file, so every folder of the repository agrees.
 */
export function findConfigFile(cwd: string): ConfigFile | undefined {
  const stopDir = gitRoot(cwd);
  const found = lilconfigSync("roster", {
    searchPlaces: CONFIG_FILE_NAMES,
    loaders: { ".yaml": loadYaml, ".yml": loadYaml },
    ...(stopDir !== undefined ? { stopDir } : {}),
    cache: false,
  }).search(cwd);
  if (found === null) return undefined;
  return { path: found.filepath, values: checkValues(found.filepath, found.config) };
}

function loadYaml(file: string, content: string): unknown {
  try {
    return parseYaml(content) as unknown;
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

function checkValues(file: string, raw: unknown): ConfigFile["values"] {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new UsageError(`${file}: expected a mapping of ${CONFIG_KEYS.join(", ")}`);
  }
  const values: ConfigFile["values"] = {};
  const dir = path.dirname(file);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      const guess = closest(key, CONFIG_KEYS);
      throw new UsageError(
        `${file}: unknown setting "${key}"` +
          (guess ? ` (did you mean "${guess}"?)` : ` (known: ${CONFIG_KEYS.join(", ")})`),
      );
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new UsageError(`${file}: ${key} must be a non-empty string`);
    }
    values[key as ConfigKey] = relativeTo(dir, key as ConfigKey, value.trim());
  }
  return values;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Paths in the file are the file's: `orgs` → `/repo/orgs`, `sqlite:.roster/x.db` likewise. */
export function relativeTo(dir: string, key: ConfigKey, value: string): string {
  if (key === "source") {
    if (/^kubernetes(:|$)/.test(value) || SCHEME.test(value) || value.startsWith("git@")) {
      return value;
    }
    // `PATH#REF//SUBDIR`: only PATH is a path of this machine.
    const cut = value.search(/#|(?<!^)\/\//);
    const location = cut === -1 ? value : value.slice(0, cut);
    return path.resolve(dir, location) + (cut === -1 ? "" : value.slice(cut));
  }
  const prefix = key === "backend" ? "sqlite:" : "outbox:";
  if (!value.startsWith(prefix) || value.length === prefix.length) return value;
  const rest = value.slice(prefix.length);
  const query = rest.indexOf("?");
  const file = query === -1 ? rest : rest.slice(0, query);
  return prefix + path.resolve(dir, file) + (query === -1 ? "" : rest.slice(query));
}

/** The nearest folder holding `.git` (a folder, or a file in a linked worktree), if any. */
export function gitRoot(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
