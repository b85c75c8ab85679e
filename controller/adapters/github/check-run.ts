import type { GitHubClient } from "./client.js";
import type { RepoRef } from "./pull-request.js";
import { ANNOTATIONS_PER_REQUEST, CHECK_NAME, clampText } from "./limits.js";

export interface CheckAnnotation {
  /** Repository-relative path of a file in the head commit. */
  path: string;
  line: number;
  col?: number;
  level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

export interface CheckRunInput extends RepoRef {
  headSha: string;
  conclusion: "success" | "failure";
  title: string;
  /** Markdown; clamped to GitHub's limit. */
  summary: string;
  annotations: readonly CheckAnnotation[];
}

/** GitHub caps an annotation message at 64 KB; ours are one issue, far shorter. */
const MESSAGE_LIMIT = 4_000;

/**
 * ONE completed check run named `roster` on the head commit. GitHub takes at most 50 annotations
 * per request: the first 50 go with `checks.create`, the rest follow in `checks.update` calls
 * on the same run, which GitHub appends.
 */
export async function publishCheckRun(github: GitHubClient, input: CheckRunInput): Promise<number> {
  const { owner, repo } = input;
  const batches = chunk(input.annotations.map(toApi), ANNOTATIONS_PER_REQUEST);
  const output = (annotations: ApiAnnotation[]) => ({
    title: input.title,
    summary: clampText(input.summary),
    ...(annotations.length > 0 ? { annotations } : {}),
  });
  const { data } = await github.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: input.headSha,
    status: "completed",
    conclusion: input.conclusion,
    completed_at: new Date().toISOString(),
    output: output(batches[0] ?? []),
  });
  for (const batch of batches.slice(1)) {
    await github.rest.checks.update({ owner, repo, check_run_id: data.id, output: output(batch) });
  }
  return data.id;
}

interface ApiAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

function toApi(a: CheckAnnotation): ApiAnnotation {
  const line = Math.max(1, a.line);
  return {
    path: a.path,
    start_line: line,
    end_line: line,
    // Columns are allowed only on a one-line annotation, which these are.
    ...(a.col !== undefined ? { start_column: a.col, end_column: a.col } : {}),
    annotation_level: a.level,
    title: a.title,
    message: clampText(a.message, MESSAGE_LIMIT, "…"),
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
