/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   manifests are untyped YAML documents; the assertions are their type checks. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { buildCrds } from "../../controller/schema/index.js";

/**
 * The manifests under config/ are checked here, without a cluster or kubectl: they parse, every
 * kustomize reference resolves, RBAC is least-privilege, the Deployment is hardened, and the CRDs
 * are exactly the generated ones.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const CONFIG = path.join(ROOT, "config");

// Manifests are untyped YAML: the assertions below are the type checks.
type Doc = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => /\.ya?ml$/.test(f) && statSync(f).isFile())
    .sort();
}

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
  }
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

/** A small kustomize: resources (files or folders) and patches, as `kubectl kustomize` reads them. */
function build(dir: string): Doc[] {
  const k = load(path.join(dir, "kustomization.yaml"))[0] as Doc;
  const out: Doc[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const target = path.resolve(dir, r);
    if (!existsSync(target)) throw new Error(`${dir}: resource ${r} does not exist`);
    out.push(...(statSync(target).isDirectory() ? build(target) : load(target)));
  }
  for (const p of (k.patches ?? []) as { path: string; target: { kind: string; name: string } }[]) {
    const patch = load(path.resolve(dir, p.path))[0] as Doc;
    const base = out.find((d) => d.kind === p.target.kind && d.metadata?.name === p.target.name);
    if (!base) throw new Error(`${dir}: patch ${p.path} matches no ${p.target.kind}`);
    strategicMerge(base, patch);
  }
  if (k.namespace) {
    for (const d of out)
      if (
        d.kind !== "Namespace" &&
        !d.kind?.startsWith("Cluster") &&
        d.kind !== "CustomResourceDefinition"
      )
        d.metadata.namespace = k.namespace;
  }
  return out;
}

/** Strategic merge for what our patches use: maps merge, `containers` merge by name, lists replace. */
function strategicMerge(base: Doc, patch: Doc): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key === "containers" && Array.isArray(value)) {
      for (const c of value as Doc[]) {
        const existing = (base.containers as Doc[]).find((b) => b.name === c.name);
        if (existing) strategicMerge(existing, c);
        else (base.containers as Doc[]).push(c);
      }
    } else if (value && typeof value === "object" && !Array.isArray(value) && base[key]) {
      strategicMerge(base[key] as Doc, value as Doc);
    } else {
      base[key] = value;
    }
  }
}

function container(docs: Doc[]): Doc {
  const deployment = docs.find((d) => d.kind === "Deployment");
  return deployment!.spec.template.spec.containers[0];
}

describe("config/ manifests", () => {
  it("every YAML file parses, and every document has apiVersion and kind", () => {
    const files = yamlFiles(CONFIG);
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) {
      for (const doc of load(file)) {
        expect(doc.apiVersion, file).toEqual(expect.any(String));
        expect(doc.kind, file).toEqual(expect.any(String));
      }
    }
  });

  it("every kustomization resolves (resources and patch targets exist)", () => {
    for (const overlay of ["default", "overlays/crd-mode", "overlays/git-mode"]) {
      const docs = build(path.join(CONFIG, overlay));
      const kinds = docs.map((d) => d.kind);
      for (const kind of [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "Role",
        "Deployment",
        "Service",
      ]) {
        expect(kinds, overlay).toContain(kind);
      }
      expect(kinds.filter((k) => k === "CustomResourceDefinition")).toHaveLength(3);
    }
  });

  it("RBAC has no wildcard anywhere", () => {
    for (const file of yamlFiles(CONFIG)) {
      for (const doc of load(file)) {
        if (doc.kind !== "Role" && doc.kind !== "ClusterRole") continue;
        for (const rule of doc.rules as Doc[]) {
          for (const field of [
            "apiGroups",
            "resources",
            "verbs",
            "resourceNames",
            "nonResourceURLs",
          ]) {
            for (const value of (rule[field] ?? []) as string[]) {
              expect(value, `${file} ${field}`).not.toContain("*");
            }
          }
        }
      }
    }
  });

  it("grants Secret access only as get on one named Secret in a namespaced Role", () => {
    const docs = build(path.join(CONFIG, "default"));
    const secretRules: { kind: string; namespace?: string; rule: Doc }[] = [];
    for (const doc of docs.filter((d) => d.kind === "Role" || d.kind === "ClusterRole")) {
      for (const rule of doc.rules as Doc[]) {
        if ((rule.resources as string[]).some((r) => r === "secrets" || r.startsWith("secrets/"))) {
          secretRules.push({ kind: doc.kind, namespace: doc.metadata.namespace, rule });
        }
      }
    }
    expect(secretRules).toHaveLength(1);
    const [only] = secretRules;
    expect(only!.kind).toBe("Role");
    expect(only!.namespace).toBe("roster-system");
    expect(only!.rule.resourceNames).toEqual(["roster-credentials"]);
    expect(only!.rule.verbs).toEqual(["get"]);
    // The git-mode overlay reads its token from that same Secret.
    const env = container(build(path.join(CONFIG, "overlays/git-mode"))).env as Doc[];
    const token = env.find((e) => e.name === "ROSTER_GIT_TOKEN");
    expect(token?.valueFrom?.secretKeyRef?.name).toBe("roster-credentials");
  });

  it("grants the controller exactly what it calls: its CRDs, status, finalizers, events, its Lease", () => {
    const docs = build(path.join(CONFIG, "default"));
    const cluster = docs.find((d) => d.kind === "ClusterRole")!;
    const verbsFor = (resource: string) =>
      (cluster.rules as Doc[])
        .filter((r) => r.resources.includes(resource))
        .flatMap((r) => r.verbs);
    for (const r of ["organizations", "members"]) {
      expect(verbsFor(r).sort()).toEqual(["get", "list", "patch", "update", "watch"]);
      expect(verbsFor(`${r}/status`).sort()).toEqual(["get", "patch", "update"]);
      expect(verbsFor(`${r}/finalizers`)).toEqual(["update"]);
    }
    expect(verbsFor("events").sort()).toEqual(["create", "patch"]);
    const role = docs.find((d) => d.kind === "Role")!;
    const leaseRules = (role.rules as Doc[]).filter((r) => r.resources.includes("leases"));
    expect(leaseRules.flatMap((r) => r.apiGroups)).toEqual([
      "coordination.k8s.io",
      "coordination.k8s.io",
    ]);
    const named = leaseRules.find((r) => r.resourceNames);
    expect(named?.resourceNames).toEqual(["roster-controller"]);
    expect(named?.verbs.sort()).toEqual(["get", "update"]);
    // The Lease the Deployment asks for is the one the Role names.
    const args = container(build(path.join(CONFIG, "overlays/crd-mode"))).args as string[];
    expect(args[args.indexOf("--lease-name") + 1]).toBe("roster-controller");
    expect(args[args.indexOf("--lease-namespace") + 1]).toBe(role.metadata.namespace);
    // Both bindings point at the ServiceAccount the Deployment runs as.
    const deployment = docs.find((d) => d.kind === "Deployment")!;
    for (const binding of docs.filter((d) => d.kind.endsWith("Binding"))) {
      expect(binding.subjects).toEqual([
        {
          kind: "ServiceAccount",
          name: deployment.spec.template.spec.serviceAccountName,
          namespace: "roster-system",
        },
      ]);
    }
  });

  it("hardens the Deployment: non-root, read-only root, no escalation, no capabilities, probes, resources", () => {
    for (const overlay of ["default", "overlays/crd-mode", "overlays/git-mode"]) {
      const docs = build(path.join(CONFIG, overlay));
      const pod = docs.find((d) => d.kind === "Deployment")!.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: "RuntimeDefault" },
      });
      const c = container(docs);
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(c.resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(c.resources.limits).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(c.ports).toContainEqual({ name: "metrics", containerPort: 9090, protocol: "TCP" });
      expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
      // Every writable path is an emptyDir; /tmp is one of them.
      const volumes = new Map((pod.volumes as Doc[]).map((v) => [v.name, v]));
      for (const mount of c.volumeMounts as Doc[])
        expect(volumes.get(mount.name)?.emptyDir).toBeDefined();
      expect((c.volumeMounts as Doc[]).map((m) => m.mountPath)).toContain("/tmp");
      expect(c.workingDir).toBe("/var/lib/roster");
      // The health server listens where the probes knock.
      const args = c.args as string[];
      expect(args[0]).toBe("run");
      expect(args[args.indexOf("--listen") + 1]).toBe("0.0.0.0:9090");
    }
  });

  it("has a metrics Service selecting the controller's pods on the named port", () => {
    const docs = build(path.join(CONFIG, "default"));
    const service = docs.find((d) => d.kind === "Service")!;
    const pod = docs.find((d) => d.kind === "Deployment")!.spec.template;
    for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>)) {
      expect(pod.metadata.labels[k]).toBe(v);
    }
    expect(service.spec.ports).toContainEqual(
      expect.objectContaining({ name: "metrics", targetPort: "metrics" }),
    );
  });

  it("runs the CRD overlay on custom resources and the Git overlay on a repository", () => {
    const crd = container(build(path.join(CONFIG, "overlays/crd-mode"))).args as string[];
    expect(crd.slice(0, 3)).toEqual(["run", "--source", "kubernetes"]);
    const git = container(build(path.join(CONFIG, "overlays/git-mode"))).args as string[];
    expect(git.slice(0, 2)).toEqual(["run", "--source"]);
    expect(git[2]).toMatch(/^https:\/\/.+#main\/\/orgs$/);
  });

  it("ships exactly the generated CRDs (roster crds) in config/crd/bases and crds/", () => {
    const generated = buildCrds();
    const kustomization = load(path.join(CONFIG, "crd/kustomization.yaml"))[0] as Doc;
    expect([...(kustomization.resources as string[])].sort()).toEqual(
      generated.map((g) => `bases/${g.file}`).sort(),
    );
    for (const { file, crd } of generated) {
      expect(load(path.join(CONFIG, "crd/bases", file)), file).toEqual([crd]);
      expect(load(path.join(ROOT, "crds", file)), file).toEqual([crd]);
    }
    // Byte for byte what the CLI generates (`roster crds --out DIR`, as `npm run generate` runs it).
    const out = mkdtempSync(path.join(tmpdir(), "roster-crds-"));
    try {
      const cli = path.join(ROOT, "dist/controller/cli/main.js");
      const run = spawnSync(process.execPath, [cli, "crds", "--out", out], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      for (const { file } of generated) {
        const fresh = readFileSync(path.join(out, file), "utf8");
        expect(readFileSync(path.join(CONFIG, "crd/bases", file), "utf8"), file).toBe(fresh);
        expect(readFileSync(path.join(ROOT, "crds", file), "utf8"), file).toBe(fresh);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const member = generated.find((g) => g.crd.spec.names.kind === "Member")!.crd;
    const columns = member.spec.versions[0]!.additionalPrinterColumns.map(
      (c) => `${c.name}=${c.jsonPath}`,
    );
    expect(columns).toEqual([
      "Email=.spec.email",
      "Role=.spec.role",
      "Phase=.status.phase",
      "Age=.metadata.creationTimestamp",
    ]);
  });
});
