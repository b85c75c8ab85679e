import type { Command } from "commander";
import { parseRepoSlug } from "../../adapters/github/pull-request.js";
import { UsageError } from "../errors.js";
import type { GitFlags } from "../git-options.js";
import { addGitOptions, gitAccessOptions } from "../git-options.js";
import { parseOutputFormat, printJson } from "../output.js";
import { positiveInteger } from "../reconcile-pass.js";
import { openRepo } from "../repo.js";
import { computeCheck } from "../pr-check/compute.js";
import { renderCheckMarkdown } from "../pr-check/render-markdown.js";
import { renderCheckTable } from "../pr-check/render-table.js";
import { paintFor, type Paint } from "../colors.js";
import type { CheckView } from "../pr-check/view.js";
import { checkJson } from "../pr-check/view.js";

const FORMATS = ["table", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];

interface CheckFlags extends GitFlags {
  repo?: string;
  base?: string;
  head?: string;
  author?: string;
  approver: string[];
  path?: string;
  output: string;
  backend?: string;
  tokenFile?: string;
  github?: boolean;
  repoSlug?: string;
  pr?: number;
  githubApiUrl?: string;
}

/** Exit codes of `roster check` (DESIGN "CLI contract"): 0 allowed, 1 denied, invalid or error. */
export const CHECK_EXIT = { allowed: 0, denied: 1 } as const;

export function registerCheck(program: Command): void {
  const command = program
    .command("check")
    .description(
      "Judge a pull request by the organization's own role rules (R3, R4, R5) read at base, then show the plan (exit 0 allowed, 1 denied or invalid)",
    )
    .option(
      "--repo <repo>",
      "local repository path or Git URL (may carry //SUBDIR); with --github default: .",
    )
    .option("--base <ref>", "the PR's base: branch, tag or commit")
    .option("--head <ref>", "the PR's head: branch, tag or commit")
    .option("--author <login>", "GitHub login of the PR author")
    .option("--approver <login>", "GitHub login of an approver (repeat for each)", collect, [])
    .option("--path <dir>", "only YAML files under this folder of the repository")
    .option("-o, --output <format>", "table|json|markdown (markdown: a PR comment body)", "table")
    .option("--backend <uri>", "plan against this backend instead of against base (read only)")
    .option("--token-file <file>", "API key for an http(s) backend (or set ROSTER_TOKEN)")
    .option("--github", "read the PR and its approvals from GitHub, post a check run and a comment")
    .option("--repo-slug <owner/repo>", "with --github: the repository on GitHub")
    .option("--pr <number>", "with --github: the pull request number", positiveInteger)
    .option(
      "--github-api-url <url>",
      "with --github: REST root (default $GITHUB_API_URL or https://api.github.com)",
    );
  addGitOptions(command)
    .addHelpText(
      "after",
      "\nThe GitHub token comes from ROSTER_GITHUB_TOKEN or GITHUB_TOKEN.\n" +
        "\nExample:\n" +
        "  $ roster check --repo . --base main --head add-bob --author alice-gh \\\n" +
        "      --approver carol-gh\n" +
        "  $ roster check --github --repo-slug acme/access --pr 42 -o markdown",
    )
    .action(async (flags: CheckFlags, command: Command) => {
      const format = parseOutputFormat(flags.output, FORMATS);
      const view = flags.github ? await githubCheck(flags) : await localCheck(flags);
      print(view, format, paintFor(command));
      process.exitCode = view.report.allowed ? CHECK_EXIT.allowed : CHECK_EXIT.denied;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function localCheck(flags: CheckFlags): Promise<CheckView> {
  for (const flag of ["repoSlug", "pr", "githubApiUrl"] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${kebab(flag)} needs --github`);
  }
  const missing = (["repo", "base", "head", "author"] as const).filter((f) => !flags[f]);
  if (missing.length > 0) {
    throw new UsageError(
      `missing ${missing.map((f) => `--${f}`).join(", ")} (or use --github --repo-slug OWNER/REPO --pr N)`,
    );
  }
  const {
    repository,
    sha: head,
    path,
  } = await openRepo({
    ...flags,
    repo: flags.repo as string,
    ref: flags.head as string,
  });
  try {
    const base = await repository.resolve(flags.base);
    return await computeCheck({
      history: repository.history,
      base,
      head,
      author: flags.author as string,
      approvers: flags.approver,
      ...(path !== undefined ? { path } : {}),
      ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
      ...(flags.tokenFile !== undefined ? { tokenFile: flags.tokenFile } : {}),
    });
  } finally {
    await repository.close();
  }
}

async function githubCheck(flags: CheckFlags): Promise<CheckView> {
  for (const flag of ["base", "head", "author"] as const) {
    if (flags[flag] !== undefined) {
      throw new UsageError(`--${flag} comes from the pull request with --github: leave it out`);
    }
  }
  if (flags.approver.length > 0) {
    throw new UsageError(
      "--approver comes from the pull request's reviews with --github: leave it out",
    );
  }
  if (!flags.repoSlug || flags.pr === undefined) {
    throw new UsageError("--github needs --repo-slug OWNER/REPO and --pr N");
  }
  let slug;
  try {
    slug = parseRepoSlug(flags.repoSlug);
  } catch (error) {
    throw new UsageError(`--repo-slug: ${(error as Error).message}`);
  }
  // Loaded only for --github: the Octokit client is not needed by a local check.
  const [{ runGitHubCheck }, { githubClientFromEnv }] = await Promise.all([
    import("../pr-check/github-check.js"),
    import("../pr-check/github-env.js"),
  ]);
  const result = await runGitHubCheck(
    {
      github: githubClientFromEnv(flags.githubApiUrl),
      repo: flags.repo ?? ".",
      git: gitAccessOptions(flags),
      ...(flags.path !== undefined ? { path: flags.path } : {}),
      ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
      ...(flags.tokenFile !== undefined ? { tokenFile: flags.tokenFile } : {}),
    },
    { ...slug, number: flags.pr },
  );
  process.stderr.write(
    `roster: check run ${result.checkRunId} posted on ${result.view.report.head.slice(0, 12)}; ` +
      `PR comment ${result.comment.id} ${result.comment.action}\n`,
  );
  return result.view;
}

function print(view: CheckView, format: Format, paint: Paint): void {
  if (format === "json") printJson(checkJson(view));
  else if (format === "markdown") process.stdout.write(renderCheckMarkdown(view));
  else process.stdout.write(renderCheckTable(view, paint));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
