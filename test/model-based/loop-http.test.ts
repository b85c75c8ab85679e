import { describe, expect, it } from "vitest";
import { checkLoop } from "./property.js";
import { httpTarget } from "./targets.js";

describe("the whole loop against roster serve over HTTP (model-based)", () => {
  it(
    "converges after every quiet point, responses lost after commit included",
    { timeout: 120_000 },
    async () => {
      const { runs } = await checkLoop({
        makeTarget: httpTarget,
        numRuns: 250,
        maxCommands: 12,
        lostResponses: true,
        timeLimitMs: 75_000,
      });
      expect(runs).toBeGreaterThan(0);
    },
  );
});
