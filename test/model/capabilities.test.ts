import { describe, expect, it } from "vitest";
import { capabilitiesOf, FULL_CAPABILITIES } from "../../controller/model/index.js";

describe("capabilitiesOf (R3–R5)", () => {
  it.each([
    ["owner", { invite: true, remove: true, promoteToAdmin: true, transferOwnership: true }],
    ["admin", { invite: true, remove: true, promoteToAdmin: false, transferOwnership: false }],
    ["member", { invite: false, remove: false, promoteToAdmin: false, transferOwnership: false }],
  ] as const)("%s", (role, expected) => {
    const caps = capabilitiesOf(role);
    expect(caps).toMatchObject({ actorRole: role, createOrganization: false, ...expected });
  });

  it("gives the system full authority, as a copy nobody can alter for everyone", () => {
    const caps = capabilitiesOf("system");
    expect(caps).toEqual(FULL_CAPABILITIES);
    caps.invite = false;
    expect(FULL_CAPABILITIES.invite).toBe(true);
  });
});
