import fc from "fast-check";
import { scenario } from "./arbitraries.js";
import { describeCommand } from "./model.js";
import type { Scenario } from "./model.js";
import { coverage, runScenario } from "./run-scenario.js";
import type { Target } from "./targets.js";

export interface LoopProperty {
  makeTarget: () => Promise<Target>;
  /** Sequences per run when ROSTER_MBT_RUNS is not set. */
  numRuns: number;
  maxCommands: number;
  lostResponses: boolean;
  /** The whole property (runs and shrinking) stops after this; what failed so far is reported. */
  timeLimitMs: number;
}

/**
 * Runs the model-based test of the whole loop. `ROSTER_MBT_SEED` (and `ROSTER_MBT_PATH`, both
 * printed on failure) replay a failing sequence; `ROSTER_MBT_RUNS` changes the number of runs.
 */
export async function checkLoop(options: LoopProperty): Promise<{ seed: number; runs: number }> {
  const seed = intFromEnv("ROSTER_MBT_SEED") ?? Math.floor(Math.random() * 2 ** 31);
  const numRuns = intFromEnv("ROSTER_MBT_RUNS") ?? options.numRuns;
  const replayPath = process.env.ROSTER_MBT_PATH;
  let runs = 0;
  const property = fc.asyncProperty(
    scenario({ maxCommands: options.maxCommands, lostResponses: options.lostResponses }),
    async (s: Scenario) => {
      runs++;
      await runScenario(s, options.makeTarget);
    },
  );
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...(replayPath ? { path: replayPath } : {}),
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
  });
  process.stdout.write(
    `model-based loop: seed ${seed}, ${details.numRuns} sequences${details.interrupted ? " (time limit reached)" : ""}; ${JSON.stringify(coverage)}\n`,
  );
  if (details.failed) {
    const example = details.counterexample?.[0];
    const steps = example ? example.commands.map(describeCommand).join("\n  ") : "(none)";
    const reason = details.errorInstance instanceof Error ? details.errorInstance.message : "";
    throw new Error(
      [
        `model-based loop failed: replay with ROSTER_MBT_SEED=${seed} ROSTER_MBT_PATH=${details.counterexamplePath ?? ""}`,
        `after ${details.numRuns} runs and ${details.numShrinks} shrinks; counterexample:`,
        `  orgs ${example?.orgCount}, first pass ${example?.firstPass}, accept all ${example?.acceptAll}, initial ${JSON.stringify(example?.initial)}`,
        `  ${steps}`,
        reason,
      ].join("\n"),
    );
  }
  return { seed, runs };
}

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}
