import { auth } from "@googleapis/admin";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GoogleGroupsBackend,
  type GoogleGroupsBackendOptions,
} from "../../controller/adapters/backends/google/index.js";
import type { WriteContext } from "../../controller/model/index.js";
import { FakeGoogleDirectory } from "../fakes/google-directory.js";

export const GROUP = "eng@acme.com";

/** An OAuth2 client holding a preset, unexpired token: nothing reaches Google's token endpoint. */
export function presetClient(token: string) {
  const client = new auth.OAuth2();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

export interface Harness {
  fake: FakeGoogleDirectory;
  dir: string;
  sleeps: number[];
  warnings: string[];
  open(extra?: Partial<GoogleGroupsBackendOptions>): GoogleGroupsBackend;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const fake = await FakeGoogleDirectory.start();
  fake.addGroup(GROUP);
  const dir = await mkdtemp(join(tmpdir(), "roster-google-"));
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const opened: GoogleGroupsBackend[] = [];
  return {
    fake,
    dir,
    sleeps,
    warnings,
    open(extra = {}) {
      const backend = new GoogleGroupsBackend({
        group: GROUP,
        org: "acme",
        credentials: { kind: "client", client: presetClient(fake.token) },
        rootUrl: `${fake.url}/`,
        recordFile: join(dir, "record.json"),
        backoff: {
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
          random: () => 0,
        },
        warn: (message) => warnings.push(message),
        now: () => new Date("2025-03-01T10:00:00.000Z"),
        ...extra,
      });
      opened.push(backend);
      return backend;
    },
    async close() {
      await Promise.all(opened.map((b) => b.close()));
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function ctx(extra: Partial<WriteContext> = {}): WriteContext {
  return {
    revision: "rev-1",
    reason: "declared in members/",
    actor: "roster",
    idempotencyKey: `key-${Math.random()}`,
    ...extra,
  };
}

export function pad(n: number): string {
  return String(n).padStart(4, "0");
}
