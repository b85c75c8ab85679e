import type { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import type { InvitableRole, OrgSettings } from "../../controller/model/index.js";

/** How a person edits the team in the Portal, as the org's current owner. */
export interface PortalWriter {
  changeRole(org: string, owner: string, email: string, role: InvitableRole): Promise<void>;
  remove(org: string, owner: string, email: string): Promise<void>;
  cancel(org: string, owner: string, email: string): Promise<void>;
  transfer(org: string, owner: string, to: string): Promise<void>;
  rename(org: string, owner: string, settings: OrgSettings): Promise<void>;
  invite(org: string, owner: string, email: string, role: InvitableRole): Promise<void>;
}

const reason = { reason: "edited in the Portal" };
const asOwner = (org: string, email: string): Actor => ({
  kind: "user",
  email,
  role: "owner",
  org,
});

/** The Portal's own UI on the embedded store: the store's API with the owner's authority. */
export function storeWriter(store: PortalStore): PortalWriter {
  return {
    changeRole: (org, owner, email, role) => {
      store.changeRole(asOwner(org, owner), org, email, role, reason);
      return Promise.resolve();
    },
    remove: (org, owner, email) => {
      store.removeMember(asOwner(org, owner), org, email, reason);
      return Promise.resolve();
    },
    cancel: (org, owner, email) => {
      store.cancelInvite(asOwner(org, owner), org, email, reason);
      return Promise.resolve();
    },
    transfer: (org, owner, to) => {
      store.transferOwnership(asOwner(org, owner), org, to, reason);
      return Promise.resolve();
    },
    rename: (org, owner, settings) => {
      store.updateOrganization(asOwner(org, owner), org, settings, reason);
      return Promise.resolve();
    },
    invite: async (org, owner, email, role) => {
      await store.invite(asOwner(org, owner), org, email, role, reason);
    },
  };
}

/**
 * A person's script against the Portal API with the owner's own API key: no If-Match, no
 * idempotency key, no managed flag — the way other clients call it. Any answer but 2xx fails.
 */
export function apiWriter(url: string, store: PortalStore): PortalWriter {
  const keys = new Map<string, string>();
  const keyOf = (org: string, owner: string): string => {
    const id = `${org} ${owner}`;
    let key = keys.get(id);
    if (key === undefined) {
      key = store.createApiKey({ kind: "system", name: "mbt-owner" }, org, owner).key;
      keys.set(id, key);
    }
    return key;
  };
  const send = async (
    org: string,
    owner: string,
    method: string,
    route: string,
    body?: unknown,
  ): Promise<void> => {
    const response = await fetch(`${url}/v1/orgs/${encodeURIComponent(org)}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${keyOf(org, owner)}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Portal API ${method} ${route}: ${response.status} ${text}`);
  };
  const enc = encodeURIComponent;
  return {
    changeRole: (org, owner, email, role) =>
      send(org, owner, "PATCH", `/members/${enc(email)}`, { role }),
    remove: (org, owner, email) => send(org, owner, "DELETE", `/members/${enc(email)}`),
    cancel: (org, owner, email) => send(org, owner, "DELETE", `/invitations/${enc(email)}`),
    transfer: (org, owner, to) => send(org, owner, "POST", "/transfer", { to }),
    rename: (org, owner, settings) =>
      send(org, owner, "PATCH", "", { settings: { displayName: settings.displayName } }),
    invite: (org, owner, email, role) => send(org, owner, "POST", "/invitations", { email, role }),
  };
}
