import fc from "fast-check";
import type { InvitableRole, Role } from "../../controller/model/index.js";
import type { Command, Declared, PortalEdit, Scenario, SourceEdit } from "./model.js";
import { DISPLAY_NAMES, ORGS, POOL } from "./model.js";

const invitable = fc.constantFrom<InvitableRole>("admin", "member");
const orgIndex = fc.nat({ max: 1 });
const emailIndex = fc.nat({ max: POOL.length - 1 });
const anyPick = fc.nat({ max: 7 });

/** One org: an owner from the pool and a few others with invitable roles. */
function declaredOrg(name: string, shift: number): fc.Arbitrary<Declared[number]> {
  return fc
    .record({
      owner: emailIndex,
      others: fc.array(fc.tuple(emailIndex, invitable), { maxLength: 4 }),
      displayName: fc.nat({ max: DISPLAY_NAMES.length - 1 }),
    })
    .map(({ owner, others, displayName }) => {
      const members: Record<string, Role> = {};
      for (const [i, role] of others) members[POOL[(i + shift) % POOL.length]!] = role;
      members[POOL[(owner + shift) % POOL.length]!] = "owner";
      return { name, displayName: DISPLAY_NAMES[displayName]!, members };
    });
}

export const portalEdit: fc.Arbitrary<PortalEdit> = fc.oneof(
  fc.record({ kind: fc.constant("role" as const), org: orgIndex, pick: anyPick, role: invitable }),
  fc.record({ kind: fc.constant("remove" as const), org: orgIndex, pick: anyPick }),
  fc.record({ kind: fc.constant("cancel" as const), org: orgIndex, pick: anyPick }),
  fc.record({ kind: fc.constant("transfer" as const), org: orgIndex, pick: anyPick }),
  fc.record({ kind: fc.constant("settings" as const), org: orgIndex }),
  fc.record({
    kind: fc.constant("invite" as const),
    org: orgIndex,
    email: emailIndex,
    role: invitable,
  }),
  // Accepting is what invitees do most: weighted up so members become active often.
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("accept" as const), org: orgIndex, pick: anyPick }),
  },
);

const sourceEdit: fc.Arbitrary<SourceEdit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("setMember" as const),
      org: orgIndex,
      email: emailIndex,
      role: invitable,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("removeMember" as const),
      org: orgIndex,
      email: emailIndex,
    }),
  },
  fc.record({
    kind: fc.constant("transferInSource" as const),
    org: orgIndex,
    email: emailIndex,
    oldOwnerRole: invitable,
  }),
  fc.record({
    kind: fc.constant("displayName" as const),
    org: orgIndex,
    name: fc.nat({ max: DISPLAY_NAMES.length - 1 }),
  }),
  fc.record({ kind: fc.constant("revert" as const), back: fc.nat({ max: 5 }) }),
);

export interface CommandOptions {
  /** The HTTP target can drop responses after commit; SQLite has no wire to drop. */
  lostResponses: boolean;
}

export function command(options: CommandOptions): fc.Arbitrary<Command> {
  const passes: fc.WeightedArbitrary<Command>[] = [
    { weight: 4, arbitrary: fc.constant({ kind: "apply" as const }) },
    { weight: 2, arbitrary: portalEdit.map((edit) => ({ kind: "applyDuring" as const, edit })) },
    { weight: 2, arbitrary: fc.constant({ kind: "concurrent" as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("crash" as const),
        nth: fc.integer({ min: 1, max: 3 }),
        afterCommit: fc.boolean(),
      }),
    },
  ];
  if (options.lostResponses) {
    passes.push({
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("lostResponse" as const),
        nth: fc.integer({ min: 1, max: 2 }),
      }),
    });
  }
  return fc.oneof(
    { weight: 4, arbitrary: sourceEdit.map((edit) => ({ kind: "source" as const, edit })) },
    { weight: 4, arbitrary: portalEdit.map((edit) => ({ kind: "portal" as const, edit })) },
    ...passes,
  );
}

export function scenario(
  options: CommandOptions & { maxCommands: number },
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      orgCount: fc.constantFrom<1 | 2>(1, 1, 2),
      firstPass: fc.constantFrom<"apply" | "concurrent">("apply", "apply", "concurrent"),
      acceptAll: fc.boolean(),
      acme: declaredOrg(ORGS[0], 0),
      beta: declaredOrg(ORGS[1], 2),
      commands: fc.array(command(options), { minLength: 1, maxLength: options.maxCommands }),
    })
    .map(({ orgCount, firstPass, acceptAll, acme, beta, commands }) => ({
      orgCount,
      firstPass,
      acceptAll,
      initial: orgCount === 2 ? [acme, { ...beta, displayName: "Beta" }] : [acme],
      commands,
    }));
}
