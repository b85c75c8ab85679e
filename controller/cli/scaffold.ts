import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { formatIssue, hasErrors } from "../model/index.js";
import { validateSnapshot } from "../load/index.js";
import { UsageError } from "./errors.js";

/** One file `roster init` writes: its path inside the new repository and why it is there. */
export interface ScaffoldFile {
  path: string;
  text: string;
  purpose: string;
}

export interface ScaffoldInput {
  org: string;
  owner: string;
}

const WORKFLOW = "examples/github-actions/roster-check.yml";

/**
 * The files of a new access repository. The Organization is checked by the same loader as
 * every source, so a bad `--org` or `--owner` is refused before anything is written.
 */
export function scaffoldFiles({ org, owner }: ScaffoldInput): ScaffoldFile[] {
  const domain = owner.split("@")[1] ?? "";
  const orgFile = `orgs/${org}.yaml`;
  const orgText = [
    "# Who belongs to this organization, and with which role. Add one Member per person;",
    "# every change goes through a pull request that `roster check` judges.",
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: Organization",
    "metadata:",
    `  name: ${org}`,
    "spec:",
    `  displayName: ${org}`,
    `  domains: [${domain}]`,
    "  allowExternal: false # members outside the domains are an error",
    "  unmanaged: report # members nobody declared are reported, not removed",
    "  safety:",
    "    maxRemovals: 10",
    "---",
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: Member",
    "metadata:",
    `  name: ${memberName(owner)}`,
    "spec:",
    `  organization: ${org}`,
    `  email: ${owner}`,
    "  role: owner",
    "",
  ].join("\n");
  const checked = validateSnapshot(
    { revision: "scaffold", files: [{ path: orgFile, text: orgText }], oversized: [] },
    { describe: orgFile },
  );
  if (hasErrors(checked.issues)) {
    throw new UsageError(
      `cannot scaffold --org ${org} --owner ${owner}:\n` +
        checked.issues.map((i) => formatIssue(i)).join("\n"),
    );
  }
  return [
    {
      path: "roster.yaml",
      text: [
        "# Settings for every roster command run inside this repository (flags and the",
        "# ROSTER_SOURCE / ROSTER_BACKEND / ROSTER_MAILER variables override them).",
        "# Paths are relative to this file. `roster config` shows what is in effect.",
        "source: orgs",
        "backend: sqlite:.roster/portal.db",
        "mailer: outbox:.roster/outbox",
        "",
      ].join("\n"),
      purpose: "source, backend and mailer for every roster command here",
    },
    { path: orgFile, text: orgText, purpose: `the organization ${org} and its owner ${owner}` },
    {
      path: ".gitignore",
      text: "# Roster's local store, outbox and caches: never commit them.\n.roster/\n",
      purpose: "keeps .roster/ (the local store and mail) out of Git",
    },
    {
      path: ".github/workflows/roster-check.yml",
      text: readPackageFile(WORKFLOW),
      purpose: "the pull-request check (needs roster in package.json, see below)",
    },
  ];
}

/** `alice.smith@acme.com` → `alice.smith`: a valid Member name for the usual addresses. */
function memberName(email: string): string {
  const local = (email.split("@")[0] ?? "").toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
  return local.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "") || "owner";
}

/** A file shipped with the package (`files` in package.json), from dist/ or from the sources. */
function readPackageFile(relative: string): string {
  for (const up of ["../..", "../../.."]) {
    try {
      return readFileSync(path.join(import.meta.dirname, up, relative), "utf8");
    } catch {
      // try the other layout
    }
  }
  throw new Error(`${relative} is missing from the roster package`);
}

/** `git config user.email`, the owner a new repository most likely has; undefined without one. */
export function gitUserEmail(cwd: string): string | undefined {
  const r = spawnSync("git", ["config", "user.email"], { cwd, encoding: "utf8" });
  const email = r.status === 0 ? r.stdout.trim() : "";
  return email === "" ? undefined : email;
}
