import { describe, expect, it } from "vitest";
import { loadDesiredState } from "../../controller/load/index.js";

const obj = (kind: string, name: string, spec: Record<string, unknown>) => ({
  ref: `team/${kind}/${name}`,
  object: {
    apiVersion: "roster.workjet.io/v1alpha1",
    kind,
    metadata: { name, namespace: "team", uid: "u", resourceVersion: "7" },
    spec,
    status: { ready: true },
  },
});

describe("a snapshot of objects (Kubernetes) is validated as the objects are", () => {
  it("builds the desired state from objects, ignoring what the API server added", () => {
    const loaded = loadDesiredState({
      revision: "7",
      files: [],
      oversized: [],
      objects: [
        obj("Organization", "acme", { domains: ["acme.com"] }),
        obj("Member", "alice", { organization: "acme", email: "alice@acme.com", role: "owner" }),
      ],
    });
    expect(loaded.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(loaded.counts).toEqual({ organizations: 1, members: 1 });
    expect(loaded.state).toBeDefined();
  });

  it("names a rejected object by its ref, and does not cascade into its organization", () => {
    const loaded = loadDesiredState({
      revision: "7",
      files: [],
      oversized: [],
      objects: [
        obj("Organization", "acme", { domains: ["acme.com"] }),
        obj("Member", "zed", { organization: "acme", email: "zed@acme.com", role: "superuser" }),
      ],
    });
    const errors = loaded.issues.filter((i) => i.severity === "error");
    expect(errors.map((i) => `${i.file}:${i.line}:${i.col}`)).toEqual(["team/Member/zed:1:1"]);
    expect(errors[0]!.message).toMatch(/role/);
    expect(loaded.state).toBeUndefined();
  });

  it("an empty list of objects is an empty source, never an empty desired state", () => {
    const loaded = loadDesiredState({ revision: "7", files: [], oversized: [], objects: [] });
    expect(loaded.state).toBeUndefined();
    expect(loaded.issues.some((i) => i.severity === "error")).toBe(true);
  });
});
