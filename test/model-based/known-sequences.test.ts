import { describe, it } from "vitest";
import type { Scenario } from "./model.js";
import { runScenario } from "./run-scenario.js";
import { httpTarget, sqliteTarget } from "./targets.js";

/**
 * The shrunk counterexamples the model-based loop found while issue 11 was built, kept as fixed
 * sequences: each failed once, and they replay here on both targets whatever the generators
 * become (a seed only replays against the generators that produced it).
 */
const KNOWN: Record<string, Scenario> = {
  "a cancelled invitation is sent again (drift at the same revision)": {
    orgCount: 1,
    firstPass: "apply",
    acceptAll: false,
    initial: [
      {
        name: "acme",
        displayName: "Acme Inc.",
        members: { "bob@ex.io": "admin", "ann@ex.io": "owner" },
      },
    ],
    commands: [{ kind: "portal", edit: { kind: "cancel", org: 0, pick: 0 } }, { kind: "apply" }],
  },
  "a cancelled invitation is sent again by two writers at once": {
    orgCount: 1,
    firstPass: "apply",
    acceptAll: false,
    initial: [
      {
        name: "acme",
        displayName: "Acme Inc.",
        members: { "bob@ex.io": "admin", "ann@ex.io": "owner" },
      },
    ],
    commands: [
      { kind: "portal", edit: { kind: "cancel", org: 0, pick: 0 } },
      { kind: "concurrent" },
    ],
  },
  "an invitee accepting between snapshot and cancelInvite is removed (cancel race)": {
    orgCount: 1,
    firstPass: "apply",
    acceptAll: false,
    initial: [
      {
        name: "acme",
        displayName: "Acme Inc.",
        members: { "eve@ex.io": "admin", "ann@ex.io": "owner" },
      },
    ],
    commands: [
      { kind: "source", edit: { kind: "removeMember", org: 0, email: 4 } },
      { kind: "applyDuring", edit: { kind: "accept", org: 0, pick: 0 } },
    ],
  },
  "a transfer lost to the other writer does not fail the old owner's demotion": {
    orgCount: 1,
    firstPass: "apply",
    acceptAll: false,
    initial: [
      {
        name: "acme",
        displayName: "Acme Inc.",
        members: { "cat@ex.io": "admin", "ann@ex.io": "owner" },
      },
    ],
    commands: [
      {
        kind: "source",
        edit: { kind: "transferInSource", org: 0, email: 2, oldOwnerRole: "member" },
      },
      { kind: "portal", edit: { kind: "accept", org: 0, pick: 0 } },
      { kind: "concurrent" },
    ],
  },
  "two writers creating the same orgs: the loser's invitations are not failures": {
    orgCount: 2,
    firstPass: "concurrent",
    acceptAll: false,
    initial: [
      { name: "acme", displayName: "Acme Inc.", members: { "ann@ex.io": "owner" } },
      {
        name: "beta",
        displayName: "Beta",
        members: { "dan@ex.io": "admin", "cat@ex.io": "owner" },
      },
    ],
    commands: [{ kind: "apply" }],
  },
  "the answer of marking a Portal-made record managed is lost after commit": {
    orgCount: 1,
    firstPass: "apply",
    acceptAll: false,
    initial: [{ name: "acme", displayName: "Acme Inc.", members: { "ann@ex.io": "owner" } }],
    commands: [
      { kind: "portal", edit: { kind: "invite", org: 0, email: 4, role: "admin" } },
      { kind: "source", edit: { kind: "setMember", org: 0, email: 4, role: "admin" } },
      { kind: "lostResponse", nth: 1 },
    ],
  },
  "the owner moves in the Portal between snapshot and Roster's transfer: planned again, not failed":
    {
      orgCount: 1,
      firstPass: "apply",
      acceptAll: true,
      initial: [
        {
          name: "acme",
          displayName: "Acme Inc.",
          members: { "bob@ex.io": "admin", "ann@ex.io": "admin", "cat@ex.io": "owner" },
        },
      ],
      commands: [
        { kind: "portal", edit: { kind: "transfer", org: 0, pick: 0 } },
        { kind: "applyDuring", edit: { kind: "transfer", org: 0, pick: 0 } },
        { kind: "applyDuring", edit: { kind: "cancel", org: 0, pick: 0 } },
      ],
    },
};

describe("sequences the model-based loop found", () => {
  for (const [name, scenario] of Object.entries(KNOWN)) {
    it(`${name} (embedded store)`, () => runScenario(scenario, sqliteTarget));
    it(`${name} (HTTP)`, () => runScenario(scenario, httpTarget));
  }
});
