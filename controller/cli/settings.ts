import type { Command } from "commander";
import type { ConfigFile, ConfigKey } from "./config-file.js";
import { CONFIG_KEYS, findConfigFile } from "./config-file.js";
import { UsageError } from "./errors.js";

/** The environment variable of each setting. */
export const SETTING_ENV: Record<ConfigKey, string> = {
  source: "ROSTER_SOURCE",
  backend: "ROSTER_BACKEND",
  mailer: "ROSTER_MAILER",
};

export type Origin =
  | { from: "flag" }
  | { from: "env"; variable: string }
  | { from: "file"; path: string }
  | { from: "default" }
  | { from: "unset" };

export interface Resolved {
  value: string | undefined;
  origin: Origin;
}

/** Flags win, then the environment, then `roster.yaml`, then the built-in default. */
export function resolveSetting(
  key: ConfigKey,
  inputs: { flag?: string; env: NodeJS.ProcessEnv; file?: ConfigFile; fallback?: string },
): Resolved {
  if (inputs.flag !== undefined) return { value: inputs.flag, origin: { from: "flag" } };
  const variable = SETTING_ENV[key];
  const fromEnv = inputs.env[variable];
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { value: fromEnv.trim(), origin: { from: "env", variable } };
  }
  const fromFile = inputs.file?.values[key];
  if (fromFile !== undefined) {
    return { value: fromFile, origin: { from: "file", path: inputs.file?.path ?? "" } };
  }
  if (inputs.fallback !== undefined) return { value: inputs.fallback, origin: { from: "default" } };
  return { value: undefined, origin: { from: "unset" } };
}

export function describeOrigin(origin: Origin): string {
  switch (origin.from) {
    case "flag":
      return "flag";
    case "env":
      return `env ${origin.variable}`;
    case "file":
      return origin.path;
    case "default":
      return "default";
    case "unset":
      return "not set";
  }
}

/** Commands that cannot run without the setting (commander's requiredOption would not see env or file). */
const REQUIRED = new WeakMap<Command, Set<ConfigKey>>();

export function requireSetting(command: Command, key: ConfigKey): Command {
  const set = REQUIRED.get(command) ?? new Set<ConfigKey>();
  set.add(key);
  REQUIRED.set(command, set);
  return command;
}

/**
 * A preAction hook: fills `--source`, `--backend` and `--mailer` of the command about to run
 * from the environment or `roster.yaml` when the flag was not typed. Only options that have a
 * default or are required are filled: an optional `--backend` (`roster access`) that adds
 * a report column stays off unless asked for.
 */
export function applySettings(
  command: Command,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): void {
  let file: ConfigFile | undefined | null = null;
  const required = REQUIRED.get(command) ?? new Set<ConfigKey>();
  for (const key of CONFIG_KEYS) {
    const option = command.options.find((o) => o.attributeName() === key && o.long === `--${key}`);
    if (option === undefined) continue;
    if (option.defaultValue === undefined && !required.has(key)) continue;
    if (command.getOptionValueSource(key) === "cli") continue;
    file ??= findConfigFile(cwd);
    const resolved = resolveSetting(key, { env, ...(file ? { file } : {}) });
    if (resolved.value !== undefined) {
      command.setOptionValueWithSource(
        key,
        resolved.value,
        resolved.origin.from === "env" ? "env" : "config",
      );
    }
  }
  for (const key of required) {
    if (command.getOptionValue(key) !== undefined) continue;
    throw new UsageError(
      `no ${key}: pass --${key}, set ${SETTING_ENV[key]}, or add "${key}:" to roster.yaml ` +
        "(roster init writes one)",
    );
  }
}

/** `roster validate` with no path: the configured source, when there is one. */
export function configuredSource(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const file = findConfigFile(cwd);
  return resolveSetting("source", { env, ...(file ? { file } : {}) }).value;
}
