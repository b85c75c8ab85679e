import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  MAX_INVITE_EXPIRY_SECONDS,
  MIN_INVITE_EXPIRY_SECONDS,
  parseDuration,
} from "../../controller/model/index.js";
import { INVITE_EXPIRY_PATTERN } from "../../controller/schema/resource-schemas.js";
import { validate } from "../../controller/schema/index.js";
import { roster } from "../e2e-apply/harness.js";
import { call } from "../http/harness.js";
import { ORG, useTeamApi } from "../http/team-api.js";

const org = (expireAfter: string) => ({
  apiVersion: "roster.workjet.io/v1alpha1",
  kind: "Organization",
  metadata: { name: "acme" },
  spec: { invitations: { expireAfter } },
});

const inBounds = (seconds: number) =>
  seconds >= MIN_INVITE_EXPIRY_SECONDS && seconds <= MAX_INVITE_EXPIRY_SECONDS;

describe("invitations.expireAfter: between 1 hour and 365 days", () => {
  it("the schema's pattern accepts exactly the durations within the bounds (model-checked)", () => {
    const pattern = new RegExp(INVITE_EXPIRY_PATTERN);
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 2_000_000 })),
        fc.constantFrom("s", "m", "h", "d", "w"),
        (n, unit) => {
          const text = `${n}${unit}`;
          const seconds = parseDuration(text)!;
          // Seconds are not offered (no useful expiry is written in seconds).
          const expected = unit !== "s" && inBounds(seconds);
          expect(pattern.test(text), text).toBe(expected);
          expect(validate(org(text)).issues.length === 0, text).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
    for (const edge of ["60m", "1h", "8760h", "365d", "52w", "525600m"]) {
      expect(pattern.test(edge), edge).toBe(true);
    }
    for (const edge of [
      "59m",
      "0m",
      "8761h",
      "366d",
      "53w",
      "525601m",
      "9999999999d",
      "07d",
      "1d12h",
    ]) {
      expect(pattern.test(edge), edge).toBe(false);
    }
  });

  it("the generated CRD carries the same pattern, so the API server refuses the same values", () => {
    const crd = parse(readFileSync("crds/organizations.yaml", "utf8")) as {
      spec: { versions: { schema: { openAPIV3Schema: unknown } }[] };
    };
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema as {
      properties: {
        spec: { properties: { invitations: { properties: { expireAfter: { pattern: string } } } } };
      };
    };
    expect(schema.properties.spec.properties.invitations.properties.expireAfter.pattern).toBe(
      INVITE_EXPIRY_PATTERN,
    );
  });

  it("roster validate names file:line:col, the rule and the bounds", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "roster-expiry-"));
    try {
      writeFileSync(
        path.join(dir, "acme.yaml"),
        [
          "apiVersion: roster.workjet.io/v1alpha1",
          "kind: Organization",
          "metadata: { name: acme }",
          "spec:",
          "  invitations:",
          "    expireAfter: 0m",
          "---",
          "apiVersion: roster.workjet.io/v1alpha1",
          "kind: Organization",
          "metadata: { name: globex }",
          "spec:",
          "  invitations: { expireAfter: 9999999999d }",
          "",
        ].join("\n"),
      );
      const run = await roster(["validate", "acme.yaml"], dir);
      expect(run.code).toBe(1);
      const output = run.stdout + run.stderr;
      expect(output).toMatch(
        /acme\.yaml:6:18: schema: spec\.invitations\.expireAfter "0m" is not valid/,
      );
      expect(output).toMatch(
        /acme\.yaml:12:31: schema: spec\.invitations\.expireAfter "9999999999d" is not valid/,
      );
      expect(output).toContain("between 1 hour and 365 days");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the API keeps the same bound on inviteExpirySeconds", () => {
  const team = useTeamApi();

  it("answers 422 outside [3600, 31536000] and changes nothing; accepts the bounds", async () => {
    const patch = (inviteExpirySeconds: number) =>
      call(team.api.url, "PATCH", `/v1/orgs/${ORG}`, {
        key: team.keys.owner,
        body: { settings: { inviteExpirySeconds } },
      });
    const before = team.state();
    expect(JSON.stringify((await patch(3600.5)).body)).toContain("whole number of seconds");
    for (const bad of [9e15, 0, 3599, 31_536_001]) {
      const answer = await patch(bad);
      expect(answer.status, String(bad)).toBe(422);
      expect(JSON.stringify(answer.body)).toContain(
        "between 3600 (1 hour) and 31536000 (365 days)",
      );
    }
    expect(team.state()).toEqual(before);
    expect((await patch(3600)).status).toBe(200);
    expect((await patch(31_536_000)).status).toBe(200);
    // Inviting still works at the longest expiry (9e15 used to answer 500 here).
    const invited = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.owner,
      body: { email: "zoe@acme.com", role: "member" },
    });
    expect(invited.status).toBe(201);
  });
});
