import type { DesiredStateSource, SourceSnapshot } from "../../model/index.js";
import { describeApiError } from "./api-errors.js";
import type { KubeClients } from "./client.js";
import { ACCESS_REVIEWS, GROUP, MEMBERS, ORGANIZATIONS, VERSION } from "./constants.js";
import type { RosterObject } from "./objects.js";
import { asRosterObject, memberOrg } from "./objects.js";
import { CachedOrgSource } from "./org-objects.js";

/**
 * `--source kubernetes[:NAMESPACE]` for one-shot commands (`roster plan`, `roster apply`): one
 * list of each kind, rendered like the controller's per-org sources. An API error is thrown —
 * an unreadable cluster is never "nothing declared".
 */
export class KubernetesSource implements DesiredStateSource {
  readonly describe: string;

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string | undefined,
  ) {
    this.describe = `kubernetes (${namespace === undefined ? "all namespaces" : `namespace ${namespace}`} at ${clients.server})`;
  }

  async read(): Promise<SourceSnapshot> {
    const [organizations, members, reviews] = await Promise.all([
      this.list(ORGANIZATIONS),
      this.list(MEMBERS),
      this.list(ACCESS_REVIEWS),
    ]);
    const orgs = new Set([
      ...organizations.map((o) => o.metadata.name),
      ...[...members, ...reviews].map((o) => memberOrg(o) ?? ""),
    ]);
    const objects: NonNullable<SourceSnapshot["objects"]> = [];
    const revisions: string[] = [];
    for (const org of [...orgs].sort()) {
      const ofOrg = (o: RosterObject) => (memberOrg(o) ?? "") === org;
      const snapshot = await new CachedOrgSource({
        org,
        organizations: organizations.filter((o) => o.metadata.name === org),
        members: members.filter(ofOrg),
        reviews: reviews.filter(ofOrg),
      }).read();
      objects.push(...(snapshot.objects ?? []));
      revisions.push(snapshot.revision);
    }
    const revision = revisions.reduce(
      (a, b) => (BigInt(a || "0") >= BigInt(b || "0") ? a : b),
      "0",
    );
    objects.sort((a, b) => (a.ref < b.ref ? -1 : 1));
    return { revision, files: [], objects, oversized: [] };
  }

  private async list(plural: string): Promise<RosterObject[]> {
    const { custom } = this.clients;
    let raw: unknown;
    try {
      raw =
        this.namespace === undefined
          ? await custom.listCustomObjectForAllNamespaces({
              group: GROUP,
              version: VERSION,
              plural,
            })
          : await custom.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace: this.namespace,
              plural,
            });
    } catch (error) {
      throw new Error(`cannot list ${plural} in ${this.describe}: ${describeApiError(error)}`);
    }
    const items = (raw as { items?: unknown[] } | undefined)?.items ?? [];
    return items.map(asRosterObject).filter((o): o is RosterObject => o !== undefined);
  }
}
