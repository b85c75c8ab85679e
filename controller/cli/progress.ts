import type { Issue } from "../model/index.js";
import type { ReconcileObserver } from "../reconcile/index.js";
import type { Paint } from "./colors.js";
import { issueLine } from "./issue-text.js";

/**
 * `applied 120/1000` on stderr while a long apply runs. Silent for the first second of writes (a
 * short apply needs no progress), then at most one line a second; on a terminal the line is
 * rewritten in place, in a log it is appended. Validation warnings are printed as soon as the
 * source is loaded, before the plan.
 */
export class ProgressLine implements ReconcileObserver {
  private start: number | undefined;
  private last = 0;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quietMs = 1000,
    private readonly paint?: Paint,
  ) {}

  onLoaded(_revision: string, issues: readonly Issue[]): void {
    for (const issue of issues) this.out.write(`${issueLine(issue, this.paint)}\n`);
  }

  onStepDone(_org: string, _result: unknown, done: number, total: number): void {
    const now = Date.now();
    this.start ??= now;
    const finished = done === total;
    if (!finished && (now - this.start < this.quietMs || now - this.last < 1000)) return;
    if (finished && !this.shown) return;
    this.last = now;
    this.shown = true;
    const text = `applied ${done}/${total}`;
    if (this.out.isTTY) this.out.write(`\r${text}${finished ? "\n" : ""}`);
    else this.out.write(`${text}\n`);
  }
}
