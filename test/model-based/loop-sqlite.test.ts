import { describe, expect, it } from "vitest";
import { checkLoop } from "./property.js";
import { sqliteTarget } from "./targets.js";

describe("the whole loop against the embedded store (model-based)", () => {
  it(
    "converges after every quiet point, whatever happens around it",
    { timeout: 120_000 },
    async () => {
      const { runs } = await checkLoop({
        makeTarget: sqliteTarget,
        numRuns: 500,
        maxCommands: 12,
        lostResponses: false,
        timeLimitMs: 60_000,
      });
      expect(runs).toBeGreaterThan(0);
    },
  );
});
