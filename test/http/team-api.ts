import { afterEach, beforeEach } from "vitest";
import type { ApiHarness } from "./harness.js";
import { keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

export const ORG = "acme";
export const OWNER = "alice@acme.com";
export const ADMIN = "bob@acme.com";
export const MEMBER = "carol@acme.com";
export const OTHER = "dave@acme.com";

export interface TeamApi {
  api: ApiHarness;
  keys: { owner: string; admin: string; member: string };
  /** Everything a request could change, to prove a refused one changed nothing. */
  state(): { snapshot: unknown; keys: unknown; audit: number };
}

/**
 * Registers hooks that start the API before each test with acme (an owner, an admin, two
 * members, one pending invitation) and a key for each role, and close it after.
 */
export function useTeamApi(): TeamApi {
  const team = {} as TeamApi;
  beforeEach(async () => {
    const api = await startApi();
    await seedOrg(api.store, ORG, OWNER, [
      { email: ADMIN, role: "admin" },
      { email: MEMBER, role: "member" },
      { email: OTHER, role: "member" },
    ]);
    await api.store.invite(SYSTEM, ORG, "erin@acme.com", "member");
    team.api = api;
    team.keys = {
      owner: keyFor(api.store, ORG, OWNER),
      admin: keyFor(api.store, ORG, ADMIN),
      member: keyFor(api.store, ORG, MEMBER),
    };
    team.state = () => ({
      snapshot: api.store.snapshot(ORG),
      keys: api.store.listApiKeys(SYSTEM, ORG),
      audit: api.store.listAudit(SYSTEM, ORG, { limit: 200 }).items.length,
    });
  });
  afterEach(async () => {
    await team.api.close();
  });
  return team;
}
