import type { PullRequestRef } from "./pull-request.js";

/** The deliveries that (re)run the check, by `X-GitHub-Event` and `action`. */
const TRIGGERS: Record<string, readonly string[]> = {
  pull_request: ["opened", "synchronize", "reopened"],
  // An approval, a change request or a dismissal changes who approved the head commit.
  pull_request_review: ["submitted", "dismissed"],
};

export type PullRequestEvent =
  | { check: true; pr: PullRequestRef; reason: string }
  | { check: false; reason: string };

/** True for the event names this module may act on (whatever their action). */
export function isPullRequestEventName(event: string): boolean {
  return Object.hasOwn(TRIGGERS, event);
}

/**
 * Which pull request a verified delivery asks to check. Only the PR's identity is taken from the
 * payload: its SHAs, author and reviews are read fresh from the API when the check runs.
 */
export function pullRequestEvent(event: string, payload: unknown): PullRequestEvent {
  const actions = TRIGGERS[event];
  if (!actions) return { check: false, reason: `event ${event || "(none)"} ignored` };
  const body = isObject(payload) ? payload : {};
  const action = typeof body.action === "string" ? body.action : "";
  if (!actions.includes(action)) {
    return { check: false, reason: `${event} action ${action || "(none)"} ignored` };
  }
  const pr = isObject(body.pull_request) ? body.pull_request : {};
  const repository = isObject(body.repository) ? body.repository : {};
  const number = pr.number;
  const fullName = repository.full_name;
  if (typeof number !== "number" || !Number.isInteger(number) || typeof fullName !== "string") {
    return {
      check: false,
      reason: `${event} payload without pull_request.number or repository.full_name`,
    };
  }
  const [owner = "", repo = ""] = fullName.split("/");
  if (!owner || !repo) return { check: false, reason: `bad repository.full_name "${fullName}"` };
  return { check: true, pr: { owner, repo, number }, reason: `${event} ${action}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
