/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   manifests are untyped YAML documents; the assertions are their type checks. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCrds } from "../../controller/schema/index.js";
import type { Doc } from "./kustomize.js";
import { build, load, yamlFiles } from "./kustomize.js";

/**
 * The manifests under config/ are checked here, without a cluster or kubectl: they parse, every
 * kustomize reference resolves, RBAC is least-privilege, the Deployment is hardened, and the CRDs
 * are exactly the generated ones.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const CONFIG = path.join(ROOT, "config");

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
        "Role",
        "Deployment",
        "Service",
        "PersistentVolumeClaim",
        "NetworkPolicy",
      ]) {
        expect(kinds, overlay).toContain(kind);
      }
      // The CRDs are installed on their own: removing the controller never removes them.
      expect(kinds, overlay).not.toContain("CustomResourceDefinition");
    }
    const crds = build(path.join(CONFIG, "crd")).map((d) => d.kind);
    expect(crds).toEqual([
      "CustomResourceDefinition",
      "CustomResourceDefinition",
      "CustomResourceDefinition",
    ]);
    // Only CRD mode needs cluster-wide permissions.
    expect(build(path.join(CONFIG, "overlays/crd-mode")).map((d) => d.kind)).toContain(
      "ClusterRole",
    );
    expect(build(path.join(CONFIG, "overlays/git-mode")).map((d) => d.kind)).not.toContain(
      "ClusterRole",
    );
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

  it("grants no access to Secrets: the kubelet resolves the Git token's secretKeyRef", () => {
    for (const overlay of ["overlays/crd-mode", "overlays/git-mode"]) {
      for (const doc of build(path.join(CONFIG, overlay))) {
        if (doc.kind !== "Role" && doc.kind !== "ClusterRole") continue;
        for (const rule of doc.rules as Doc[]) {
          expect(rule.resources, overlay).not.toContain("secrets");
        }
      }
    }
    const env = container(build(path.join(CONFIG, "overlays/git-mode"))).env as Doc[];
    const token = env.find((e) => e.name === "ROSTER_GIT_TOKEN");
    expect(token?.valueFrom?.secretKeyRef?.name).toBe("roster-credentials");
  });

  it("grants CRD mode its resources, status and Events, and both modes their one Lease", () => {
    const docs = build(path.join(CONFIG, "overlays/crd-mode"));
    const cluster = docs.find((d) => d.kind === "ClusterRole")!;
    const verbsFor = (resource: string) =>
      (cluster.rules as Doc[])
        .filter((r) => r.resources.includes(resource))
        .flatMap((r) => r.verbs);
    // What the controller calls (rbac-from-calls.test.ts derives it from the recorded calls).
    for (const r of ["organizations", "members"]) {
      expect(verbsFor(r).sort()).toEqual(["list", "patch", "watch"]);
      expect(verbsFor(`${r}/status`)).toEqual(["patch"]);
      expect(verbsFor(`${r}/finalizers`)).toEqual([]);
    }
    expect(verbsFor("events")).toEqual(["create"]);
    for (const overlay of ["overlays/crd-mode", "overlays/git-mode"]) {
      const built = build(path.join(CONFIG, overlay));
      const role = built.find((d) => d.kind === "Role")!;
      const leaseRules = (role.rules as Doc[]).filter((r) => r.resources.includes("leases"));
      expect(leaseRules.flatMap((r) => r.apiGroups)).toEqual([
        "coordination.k8s.io",
        "coordination.k8s.io",
      ]);
      const named = leaseRules.find((r) => r.resourceNames);
      expect(named?.resourceNames).toEqual(["roster-controller"]);
      expect(named?.verbs.sort()).toEqual(["get", "update"]);
      // The Lease the Deployment asks for is the one the Role names.
      const args = container(built).args as string[];
      expect(args[args.indexOf("--lease-name") + 1], overlay).toBe("roster-controller");
      expect(args[args.indexOf("--lease-namespace") + 1], overlay).toBe(role.metadata.namespace);
      // Every binding points at the ServiceAccount the Deployment runs as.
      const deployment = built.find((d) => d.kind === "Deployment")!;
      for (const binding of built.filter((d) => d.kind.endsWith("Binding"))) {
        expect(binding.subjects).toEqual([
          {
            kind: "ServiceAccount",
            name: deployment.spec.template.spec.serviceAccountName,
            namespace: "roster-system",
          },
        ]);
      }
    }
    // Git mode campaigns for that Lease too: a rollout never has two writers.
    const git = container(build(path.join(CONFIG, "overlays/git-mode"))).args as string[];
    expect(git).toContain("--leader-elect");
  });

  it("keeps the embedded store: Recreate, a PersistentVolumeClaim, one replica", () => {
    for (const overlay of ["default", "overlays/crd-mode", "overlays/git-mode"]) {
      const docs = build(path.join(CONFIG, overlay));
      const deployment = docs.find((d) => d.kind === "Deployment")!;
      const args = container(docs).args as string[];
      const backend = args[args.indexOf("--backend") + 1]!;
      if (!backend.startsWith("sqlite:")) continue;
      expect(deployment.spec.strategy, overlay).toEqual({ type: "Recreate" });
      expect(deployment.spec.replicas, overlay).toBe(1);
      const file = backend.slice("sqlite:".length);
      const mount = (container(docs).volumeMounts as Doc[]).find((m) =>
        file.startsWith(`${m.mountPath}/`),
      );
      const volume = (deployment.spec.template.spec.volumes as Doc[]).find(
        (v) => v.name === mount?.name,
      );
      const claim = volume?.persistentVolumeClaim?.claimName;
      expect(claim, `${overlay}: the store's volume`).toEqual(expect.any(String));
      const pvc = docs.find((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim);
      expect(pvc?.spec.accessModes).toEqual(["ReadWriteOnce"]);
    }
  });

  it("mounts an API token only where the pod uses the API, and admits only port 9090", () => {
    const docs = build(path.join(CONFIG, "default"));
    const account = docs.find((d) => d.kind === "ServiceAccount")!;
    expect(account.automountServiceAccountToken).toBe(false);
    for (const overlay of ["overlays/crd-mode", "overlays/git-mode"]) {
      const built = build(path.join(CONFIG, overlay));
      const pod = built.find((d) => d.kind === "Deployment")!.spec.template;
      const args = container(built).args as string[];
      const usesApi = args.includes("kubernetes") || args.includes("--leader-elect");
      expect(pod.spec.automountServiceAccountToken, overlay).toBe(usesApi);
      const policy = built.find((d) => d.kind === "NetworkPolicy")!;
      for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels as Doc)) {
        expect(pod.metadata.labels[k]).toBe(v);
      }
      expect(policy.spec.policyTypes).toEqual(["Ingress"]);
      expect(policy.spec.ingress).toEqual([{ ports: [{ port: 9090, protocol: "TCP" }] }]);
      const listen = args[args.indexOf("--listen") + 1];
      expect(listen).toBe("0.0.0.0:9090");
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
      // Every writable path is a volume: /tmp an emptyDir, the state a claim in the build.
      const volumes = new Map((pod.volumes as Doc[]).map((v) => [v.name, v]));
      const claims = docs.filter((d) => d.kind === "PersistentVolumeClaim");
      for (const mount of c.volumeMounts as Doc[]) {
        const volume = volumes.get(mount.name);
        const claim = volume?.persistentVolumeClaim?.claimName;
        expect(volume?.emptyDir ?? claims.find((p) => p.metadata.name === claim)).toBeDefined();
      }
      const tmp = (c.volumeMounts as Doc[]).find((m) => m.mountPath === "/tmp");
      expect(volumes.get(tmp?.name)?.emptyDir).toBeDefined();
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
