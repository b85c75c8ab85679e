import type { Command } from "commander";
import pc from "picocolors";
import type { Colors } from "picocolors/types.js";

export type Paint = Colors;

/** No colour at all: what files, pipes and `-o json` get. */
export const PLAIN: Paint = pc.createColors(false);

export interface ColorContext {
  /** commander's `--no-color` (false when given). */
  flag?: boolean;
  env: NodeJS.ProcessEnv;
  isTTY: boolean | undefined;
}

/**
 * The same order as picocolors and https://no-color.org: `--no-color` and a non-empty
 * `NO_COLOR` win, then `FORCE_COLOR` (tests, CI logs that render ANSI), then a terminal.
 */
export function colorEnabled({ flag, env, isTTY }: ColorContext): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return isTTY === true && env.TERM !== "dumb";
}

/** The colours for what `command` writes to `stream` (stdout unless said). */
export function paintFor(command: Command, stream: { isTTY?: boolean } = process.stdout): Paint {
  const flag = command.optsWithGlobals<{ color?: boolean }>().color;
  return pc.createColors(colorEnabled({ flag, env: process.env, isTTY: stream.isTTY }));
}
