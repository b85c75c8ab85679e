import type { KubeObject } from "../fakes/kube-api-server.js";

type Condition = { type: string; status: string; reason?: string; message?: string };

/**
 * kstatus's reading of a custom resource with standard conditions (sigs.k8s.io/cli-utils
 * pkg/kstatus/status, what Flux's `wait: true` and `kubectl wait`-style tooling use): an
 * unobserved generation or Reconciling=True is InProgress, Stalled=True is Failed, else Current.
 */
export function kstatus(object: KubeObject | undefined): "InProgress" | "Failed" | "Current" {
  const status = (object?.status ?? {}) as {
    observedGeneration?: number;
    conditions?: Condition[];
  };
  const generation = object?.metadata.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return "InProgress";
  const is = (type: string) => status.conditions?.find((c) => c.type === type)?.status === "True";
  if (is("Stalled")) return "Failed";
  if (is("Reconciling")) return "InProgress";
  return "Current";
}
