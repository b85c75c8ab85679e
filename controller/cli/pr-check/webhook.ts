import type { PullRequestRef, RepoRef } from "../../adapters/github/index.js";
import { isPullRequestEventName, pullRequestEvent } from "../../adapters/github/index.js";

export interface PullRequestChecksOptions {
  /** Only this repository's pull requests are checked (the clone holds no other). */
  repo?: RepoRef;
  check(pr: PullRequestRef): Promise<void>;
  onError(pr: PullRequestRef, error: unknown): void;
}

/** `onEvent` of the controller server's `POST /webhook`, plus what a caller needs around it. */
export interface PullRequestChecks {
  /** True for `pull_request` and `pull_request_review`: route those here. */
  handles(event: string): boolean;
  onEvent(event: string, payload: unknown): { accepted: boolean; message: string };
  /** Resolves when every queued check has run (tests, graceful shutdown). */
  idle(): Promise<void>;
}

/**
 * pull_request (opened, synchronize, reopened) and pull_request_review (submitted, dismissed)
 * deliveries queue a check of that PR and answer at once (GitHub waits 10 s at most). Checks run
 * one at a time — they share one clone — and a PR already waiting is not queued twice; a delivery
 * for a PR whose check is running queues one more run, which reads the newer head and reviews.
 */
export function createPullRequestChecks(options: PullRequestChecksOptions): PullRequestChecks {
  const waiting = new Set<string>();
  let chain: Promise<void> = Promise.resolve();

  const schedule = (pr: PullRequestRef): boolean => {
    const key = `${pr.owner}/${pr.repo}#${pr.number}`.toLowerCase();
    if (waiting.has(key)) return false;
    waiting.add(key);
    chain = chain.then(async () => {
      waiting.delete(key);
      try {
        await options.check(pr);
      } catch (error) {
        options.onError(pr, error);
      }
    });
    return true;
  };

  return {
    handles: isPullRequestEventName,
    onEvent(event, payload) {
      const parsed = pullRequestEvent(event, payload);
      if (!parsed.check) return { accepted: false, message: parsed.reason };
      const { pr } = parsed;
      const wanted = options.repo;
      if (
        wanted &&
        (wanted.owner.toLowerCase() !== pr.owner.toLowerCase() ||
          wanted.repo.toLowerCase() !== pr.repo.toLowerCase())
      ) {
        return {
          accepted: false,
          message: `${pr.owner}/${pr.repo} is not ${wanted.owner}/${wanted.repo}: ignored`,
        };
      }
      const queued = schedule(pr);
      const name = `${pr.owner}/${pr.repo}#${pr.number}`;
      return {
        accepted: true,
        message: queued
          ? `check of ${name} queued (${parsed.reason})`
          : `check of ${name} already queued`,
      };
    },
    idle: async () => {
      // A check may queue behind the one awaited: wait until the chain stops growing.
      for (;;) {
        const current = chain;
        await current;
        if (current === chain) return;
      }
    },
  };
}
