import type {
  ActualOrganization,
  ControllerState,
  IdentityBackend,
  JournalEntry,
  JournalIntent,
  OpenIntent,
} from "../model/index.js";
import { tookEffect } from "../model/index.js";
import { effectPresent } from "./intent-effect.js";
import { writerAlive as processAlive } from "./writer-alive.js";

/**
 * An intent whose writer may still be alive is left alone until it is this old: longer than any
 * one step can take with its retries (five attempts, backoff capped at 10 s, Retry-After at 60 s).
 */
export const STALE_INTENT_MS = 15 * 60_000;

export interface RecoveryOptions {
  now?: () => Date;
  /** Whether the process that wrote an intent may still be running its write. */
  writerAlive?: (writer: { host: string; pid: number }) => boolean;
  staleAfterMs?: number;
  /** Only these organizations (the pass is limited to them). */
  orgs?: readonly string[];
}

export interface RecoveryReport {
  /** The outcomes appended, one per resolved intent. */
  recovered: JournalEntry[];
  /** Organizations whose intents could not be resolved (backend unreadable): apply nothing there. */
  failed: Map<string, unknown>;
  /** Intents left open because their writer may still be running them. */
  inFlight: number;
}

/**
 * Resolves every intent whose writer died before recording its outcome (kill -9, power loss):
 * the write took effect → `applied` (or `noop`), else `failed`; either way marked recovered with
 * `notBefore` = the intent's time and `time` = after the backend was read, the honest bounds of
 * when it happened. Runs before a pass observes and plans: were an interrupted invite planned
 * and sent again first, its effect would be found present and journaled twice. So an
 * organization whose intents cannot be resolved must not be applied in this pass.
 */
export async function recoverIntents(
  backend: IdentityBackend,
  state: ControllerState,
  options: RecoveryOptions = {},
): Promise<RecoveryReport> {
  const now = options.now ?? (() => new Date());
  const alive = options.writerAlive ?? processAlive;
  const staleAfter = options.staleAfterMs ?? STALE_INTENT_MS;
  const report: RecoveryReport = { recovered: [], failed: new Map(), inFlight: 0 };
  const orphans = new Map<string, JournalIntent[]>();
  for (const open of await state.openIntents()) {
    const { intent } = open;
    if (options.orgs !== undefined && !options.orgs.includes(intent.org)) continue;
    if (!orphaned(open, now().getTime(), alive, staleAfter)) {
      report.inFlight++;
      continue;
    }
    orphans.set(intent.org, [...(orphans.get(intent.org) ?? []), intent]);
  }
  for (const [org, intents] of orphans) {
    let actual: ActualOrganization | null | undefined;
    let later: JournalEntry[] | undefined;
    try {
      for (const intent of intents) {
        const exact = await backend.writeOutcome?.(intent.key, intent.time);
        if (exact === undefined && actual === undefined) actual = await backend.snapshot(org);
        // Read before `observedAt`: the write, if any, happened before this instant.
        const observedAt = now().toISOString();
        let present: Parameters<typeof resolution>[1] =
          exact === undefined ? effectPresent(intent, actual ?? null) : exact;
        if (present === true) {
          later ??= await state.readJournal({ org });
          // A later write of the same step took effect: it was planned on a snapshot without
          // this one's effect and written on that condition, so this write did not take effect
          // (an intent left open while its writer looked alive, resolved once stale).
          if (later.some((e) => e.seq > intent.seq && sameStep(e, intent) && tookEffect(e)))
            present = "superseded";
        }
        report.recovered.push(await state.appendJournal(resolution(intent, present, observedAt)));
      }
    } catch (error) {
      report.failed.set(org, error);
    }
  }
  return report;
}

function sameStep(e: JournalEntry, intent: JournalIntent): boolean {
  return (
    e.org === intent.org &&
    e.action === intent.action &&
    e.email === intent.email &&
    e.role === intent.role &&
    e.to === intent.to
  );
}

function orphaned(
  open: OpenIntent,
  nowMs: number,
  alive: (writer: { host: string; pid: number }) => boolean,
  staleAfterMs: number,
): boolean {
  if (nowMs - Date.parse(open.intent.time) >= staleAfterMs) return true;
  return open.writer !== undefined && !alive(open.writer);
}

function resolution(
  intent: JournalIntent,
  present: boolean | "applied" | "noop" | "superseded" | null | undefined,
  observedAt: string,
): Parameters<ControllerState["appendJournal"]>[0] {
  const { org, action, email, role, from, to, revision } = intent;
  const base = { time: observedAt, org, action, email, role, from, to, revision };
  const recovered = { intent: intent.seq, notBefore: intent.time };
  if (present === true || present === "applied" || present === "noop") {
    const result = present === "noop" ? "noop" : "applied";
    return { ...base, result, ...recovered };
  }
  const error =
    present === undefined
      ? "interrupted: whether the write took effect cannot be told from the backend; the next plan repairs any difference"
      : present === "superseded"
        ? "interrupted: did not take effect (a later write of the same step, made on that condition, did)"
        : "interrupted before the write took effect (found absent on recovery)";
  return { ...base, result: "failed", error, ...recovered };
}
