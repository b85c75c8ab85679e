import { expect } from "vitest";
import type { OrgCase } from "./fixtures.js";
import { planFor, summary } from "./fixtures.js";

/** One row of a planner table: the org in, the exact steps / blocked / warnings out. */
export interface Row {
  name: string;
  org: OrgCase;
  steps?: string[];
  blocked?: string[];
  warnings?: string[];
  /** Matched against the reasons of `steps`, in order (only as many as given). */
  reasons?: RegExp[];
  /** Matched against `blockedBy` of `blocked`, in order. */
  blockedBy?: RegExp[];
}

export function checkRow(row: Row): void {
  const p = planFor(row.org);
  expect(summary(p)).toEqual({
    steps: row.steps ?? [],
    blocked: row.blocked ?? [],
    warnings: row.warnings ?? [],
  });
  expect(p.safety).toMatchObject({ safe: true, refusals: [] });
  row.reasons?.forEach((re, i) => expect(p.steps[i]?.reason).toMatch(re));
  row.blockedBy?.forEach((re, i) => expect(p.blocked[i]?.blockedBy).toMatch(re));
  for (const s of [...p.steps, ...p.blocked]) expect(s.reason.length).toBeGreaterThan(10);
}
