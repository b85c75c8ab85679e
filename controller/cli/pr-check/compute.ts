import type { GitHistory } from "../../audit/git-history.js";
import { checkPullRequest, readSnapshot } from "../../audit/pr-check.js";
import { planAgainstBase } from "../../audit/pr-plan.js";
import type { DesiredState } from "../../model/index.js";
import { reconcile } from "../../reconcile/index.js";
import type { OpenedBackend } from "../backend-uri.js";
import { openBackend } from "../backend-uri.js";
import type { CheckView } from "./view.js";

export interface ComputeCheckInput {
  history: GitHistory;
  /** Commit SHAs. */
  base: string;
  head: string;
  path?: string;
  author: string;
  approvers: readonly string[];
  /** `--backend URI`: plan head against the real backend instead of against base. */
  backend?: string;
  /** `--token-file` for an http(s) backend. */
  tokenFile?: string;
}

/**
 * The verdict and the plan of one pull request. Without a backend the plan treats base as what
 * the backend holds — the plan a merge causes once base has been applied — so a PR check needs
 * no access to production; with one, it is the plan `roster plan` would show after the merge.
 */
export async function computeCheck(input: ComputeCheckInput): Promise<CheckView> {
  const people = {
    history: input.history,
    base: input.base,
    head: input.head,
    author: input.author,
    approvers: input.approvers,
    ...(input.path !== undefined ? { path: input.path } : {}),
  };
  if (input.backend === undefined) {
    const report = await checkPullRequest(people);
    const { headState, baseState } = report;
    if (!headState) return { report };
    if (!baseState) return { report, planNote: "not computed: base does not load" };
    return { report, plan: planAgainstBase(baseState, headState, new Date()) };
  }
  const opened = await openBackend(input.backend, {
    create: false,
    ...(input.tokenFile !== undefined ? { tokenFile: input.tokenFile } : {}),
  });
  try {
    // An organization head declares anew may exist in the backend: its owner there decides.
    const report = await checkPullRequest({
      ...people,
      observe: (org) => opened.backend.snapshot(org),
    });
    if (!report.headState) return { report };
    return { report, ...(await planAgainstBackend(input, opened, report.headState)) };
  } finally {
    await opened.close();
  }
}

async function planAgainstBackend(
  input: ComputeCheckInput,
  opened: OpenedBackend,
  head: DesiredState,
): Promise<Pick<CheckView, "plan" | "planNote">> {
  const source = {
    describe: `commit ${input.head.slice(0, 12)}`,
    read: () => readSnapshot(input.history, input.head, input.path),
  };
  const result = await reconcile(
    { source, backend: opened.backend, state: opened.state },
    { dryRun: true },
  );
  const failed = result.orgs.filter((o) => o.status === "failed");
  if (result.sourceError) return { planNote: `not computed: ${result.sourceError.message}` };
  if (failed.length > 0) {
    const why = failed.map((o) => `${o.org}: ${o.error?.message ?? "unknown error"}`).join("; ");
    return {
      ...(result.plan ? { plan: result.plan } : {}),
      planNote: `the backend could not be read for ${why}`,
    };
  }
  return result.plan ? { plan: result.plan } : { planNote: `nothing to plan for ${head.revision}` };
}
