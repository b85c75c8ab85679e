import { describe, expect, it } from "vitest";
import { capabilitiesOf, FULL_CAPABILITIES } from "../../controller/model/index.js";

describe("capabilitiesOf: who the credential is", () => {
  it.each(["owner", "admin", "member", "none"] as const)(
    "%s keeps its role and identity",
    (role) => {
      expect(capabilitiesOf(role, "kim@acme.com")).toEqual({
        actorRole: role,
        identity: "kim@acme.com",
      });
    },
  );

  it("the system has no identity, and full capabilities are the system's", () => {
    expect(capabilitiesOf("system", "ignored@acme.com")).toEqual({ actorRole: "system" });
    expect(FULL_CAPABILITIES).toEqual({ actorRole: "system" });
  });
});
