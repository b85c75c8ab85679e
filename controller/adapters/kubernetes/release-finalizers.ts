import type { KubeClients } from "./client.js";
import { apiStatusCode } from "./api-errors.js";
import {
  GROUP,
  MEMBER_FINALIZER,
  MEMBERS,
  ORGANIZATION_FINALIZER,
  ORGANIZATIONS,
  VERSION,
} from "./constants.js";
import { setFinalizers, withoutFinalizer } from "./finalizers.js";
import type { RosterObject } from "./objects.js";
import { asRosterObject, hasFinalizer } from "./objects.js";

export interface ReleaseOptions {
  /** One namespace, or undefined for every namespace. */
  namespace?: string;
  lease: { name: string; namespace: string };
  /** List what would be released, change nothing. */
  dryRun: boolean;
  /** Release even though the Lease looks held (the controller is known to be gone). */
  force: boolean;
  now?: () => Date;
}

export type ReleaseResult =
  | { kind: "released"; refs: string[] }
  | { kind: "controller-running"; holder: string; renewedAt: string };

/**
 * Uninstall's last resort: removes Roster's own finalizers (and no one else's) from every
 * Organization and Member, so that objects, CRDs and namespaces stuck Terminating can go once
 * the controller is gone for good. Access is NOT revoked and deletion policies are NOT applied:
 * that is the controller's job, which is why this refuses while the Lease is held and fresh.
 * Each patch carries the object's resourceVersion (finalizers.ts), so a concurrent edit wins.
 */
export async function releaseFinalizers(
  clients: KubeClients,
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  if (!options.force) {
    const live = await liveHolder(clients, options);
    if (live) return { kind: "controller-running", ...live };
  }
  const refs: string[] = [];
  for (const [plural, kind, finalizer] of [
    [MEMBERS, "Member", MEMBER_FINALIZER],
    [ORGANIZATIONS, "Organization", ORGANIZATION_FINALIZER],
  ] as const) {
    for (const object of await list(clients, plural, options.namespace)) {
      if (!hasFinalizer(object, finalizer)) continue;
      refs.push(`${object.metadata.namespace ?? ""}/${kind}/${object.metadata.name}`);
      if (!options.dryRun) {
        await setFinalizers(clients.custom, plural, object, withoutFinalizer(object, finalizer));
      }
    }
  }
  return { kind: "released", refs };
}

async function liveHolder(
  clients: KubeClients,
  options: ReleaseOptions,
): Promise<{ holder: string; renewedAt: string } | undefined> {
  try {
    const lease = await clients.coordination.readNamespacedLease(options.lease);
    const holder = lease.spec?.holderIdentity ?? "";
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const now = (options.now ?? (() => new Date()))().getTime();
    if (holder === "" || renewed + durationMs < now) return undefined;
    return { holder, renewedAt: new Date(renewed).toISOString() };
  } catch (error) {
    if (apiStatusCode(error) === 404) return undefined;
    throw error;
  }
}

async function list(
  clients: KubeClients,
  plural: string,
  namespace: string | undefined,
): Promise<RosterObject[]> {
  const raw: unknown =
    namespace === undefined
      ? await clients.custom.listCustomObjectForAllNamespaces({
          group: GROUP,
          version: VERSION,
          plural,
        })
      : await clients.custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural,
        });
  const items = (raw as { items?: unknown[] } | undefined)?.items ?? [];
  const key = (o: RosterObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  return items
    .map(asRosterObject)
    .filter((o): o is RosterObject => o !== undefined)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
