import { describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

// A Node timer or interval longer than 2^31 − 1 ms (about 24.8 days) fires after 1 ms: a
// `--resync-period 30d` would reconcile every organization every millisecond.
describe("roster run (kubernetes) durations a Node timer cannot hold", { timeout: 60_000 }, () => {
  it.each(["--resync-period", "--lease-duration", "--renew-deadline", "--retry-period"])(
    "%s 30d is refused before anything starts",
    async (flag) => {
      const run = await cli(["run", "--source", "kubernetes", flag, "30d"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${flag} <duration>`);
      expect(run.stderr).toContain("at most 24d");
    },
  );
});
