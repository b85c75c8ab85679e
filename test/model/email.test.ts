import { describe, expect, it } from "vitest";
import {
  emailDomain,
  isInDomains,
  isValidEmail,
  normalizeEmail,
} from "../../controller/model/index.js";

describe("email helpers", () => {
  it.each([
    ["Alice@Acme.com", "alice@acme.com"],
    ["  bob@acme.com\t", "bob@acme.com"],
  ])("normalises %j to %j", (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([
    ["alice@acme.com", "acme.com"],
    // Regression: the domain was sliced at an index taken from the untrimmed string.
    ["   carol@Globex.COM", "globex.com"],
    ["x@sub.acme.co.uk", "sub.acme.co.uk"],
  ])("takes the domain of %j", (raw, domain) => {
    expect(emailDomain(raw)).toBe(domain);
  });

  it("matches domains case-insensitively", () => {
    expect(isInDomains(" Dan@ACME.com", ["acme.com"])).toBe(true);
    expect(isInDomains("dan@acme.com.evil.io", ["acme.com"])).toBe(false);
  });

  it.each([
    ["alice@acme.com", true],
    ["alice@acme", false],
    ["alice acme.com", false],
    ["a b@acme.com", false],
    ["@acme.com", false],
    ["alice@-acme.com", false],
  ])("validates %j as %s", (raw, valid) => {
    expect(isValidEmail(raw)).toBe(valid);
  });
});
