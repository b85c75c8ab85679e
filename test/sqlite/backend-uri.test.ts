import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_BACKEND_URI, openBackend } from "../../controller/cli/backend-uri.js";
import { UsageError } from "../../controller/cli/errors.js";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function usageError(uri: string, options = {}): Promise<UsageError> {
  const error: unknown = await openBackend(uri, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe("openBackend(--backend URI)", () => {
  it("defaults to the embedded store at .roster/portal.db", () => {
    expect(DEFAULT_BACKEND_URI).toBe("sqlite:.roster/portal.db");
  });

  it("sqlite:PATH creates the parent folders and opens store, backend and state on one file", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "nested", "deeper", "portal.db");
    const opened = await openBackend(`sqlite:${file}`);
    expect(existsSync(file)).toBe(true);
    expect(opened.backend.describe).toBe(`sqlite:${file}`);
    expect(opened.store).toBeDefined();
    await opened.state.addManagedMembers("acme", ["a@acme.com"]);
    expect(await opened.backend.listOrganizations()).toEqual([]);
    await opened.close();
    await opened.close(); // closing twice is harmless
  });

  it("create: false refuses a missing file instead of making an empty store", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "typo.db");
    const error = await usageError(`sqlite:${file}`, { create: false });
    expect(error.message).toMatch(/no Portal store at .*typo\.db: check --backend/);
    expect(existsSync(file)).toBe(false);
  });

  it("an unknown scheme lists the supported ones and never echoes a credential", async () => {
    const error = await usageError("ftp://admin:hunter2@files.example/x?token=abc");
    expect(error.message).toMatch(
      /unknown backend "ftp:\/\/\*\*\*@files\.example\/x\?token=\*\*\*"/,
    );
    expect(error.message).toMatch(/supported: sqlite:PATH/);
    expect(error.message).not.toMatch(/hunter2|abc/);
    expect((await usageError("portal.db")).message).toMatch(/did you mean sqlite:portal\.db\?/);
    expect((await usageError("sqlite:")).message).toMatch(/needs a file path/);
  });

  it("a file that is not SQLite is named as such", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "notes.txt");
    writeFileSync(file, "these are not the bytes you are looking for".repeat(100));
    await expect(openBackend(`sqlite:${file}`)).rejects.toThrow(
      /notes\.txt is not a SQLite database/,
    );
  });
});
