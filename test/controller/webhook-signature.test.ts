import { describe, expect, it } from "vitest";
import {
  signGitHubPayload,
  verifyGitHubSignature,
} from "../../controller/server/controller/webhook-signature.js";

// GitHub's published test vector (docs: "Validating webhook deliveries"), see FACTS.md.
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from("Hello, World!");
const SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("verifyGitHubSignature", () => {
  it("accepts GitHub's published test vector", () => {
    expect(verifyGitHubSignature(SECRET, BODY, SIGNATURE)).toBe(true);
    expect(signGitHubPayload(SECRET, BODY)).toBe(SIGNATURE);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["sha1 scheme", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d"],
    ["one digit changed", SIGNATURE.replace(/3e17$/, "3e18")],
    ["truncated", SIGNATURE.slice(0, -2)],
    ["not hex", "sha256=zz"],
    ["valid, then trailing junk", `${SIGNATURE}zz`],
    ["valid, then one more digit", `${SIGNATURE}0`],
  ])("rejects a %s signature", (_label, header) => {
    expect(verifyGitHubSignature(SECRET, BODY, header)).toBe(false);
  });

  it("rejects the right signature over a different body or with another secret", () => {
    expect(verifyGitHubSignature(SECRET, Buffer.from("Hello, World?"), SIGNATURE)).toBe(false);
    expect(verifyGitHubSignature("another secret", BODY, SIGNATURE)).toBe(false);
  });
});
