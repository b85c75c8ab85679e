import { formatDuration } from "../model/index.js";
import { expirations, isExpiryStep } from "../plan/index.js";
import type { ExpiryStep, Plan, Step } from "../plan/types.js";
import type { Paint } from "./colors.js";
import { PLAIN } from "./colors.js";

/** One line per step: a sign a reader scans (+ adds, ~ changes, - takes away, » moves ownership). */
export function describeStep(step: Step): string {
  switch (step.action) {
    case "createOrganization":
      return `+ createOrganization ${step.org} with owner ${step.email}`;
    case "updateOrganization":
      return `~ updateOrganization ${step.org}${step.changed.length ? ` (${step.changed.join(", ")})` : ""}${settingsNote(step)}`;
    case "invite":
      return `+ invite ${step.email} as ${step.role}`;
    case "resendInvite":
      return `+ resendInvite ${step.email} as ${step.role}`;
    case "cancelInvite":
      return `- cancelInvite ${step.email} (${step.role})`;
    case "changeRole":
      return `~ changeRole ${step.email} ${step.from} → ${step.to}`;
    case "transferOwnership":
      return `» transferOwnership ${step.from} → ${step.to}`;
    case "remove":
      return `- remove ${step.email} (${step.role})`;
  }
}

function settingsNote(step: Step): string {
  if (step.action !== "updateOrganization" || !step.changed.includes("inviteExpirySeconds")) {
    return "";
  }
  return `, invitations expire after ${formatDuration(step.settings.inviteExpirySeconds)}`;
}

export interface RenderOptions {
  /** Colours for a terminal (Terraform's: + green, - red, ~ yellow); none by default. */
  paint?: Paint;
  /** Validation warnings printed before the plan: counted in the summary with the plan's. */
  sourceWarnings?: number;
}

/** The step's leading sign in its colour; the rest of the line stays plain. */
export function paintStep(line: string, paint: Paint): string {
  const sign = line.slice(0, 1);
  const colour =
    sign === "+"
      ? paint.green
      : sign === "-"
        ? paint.red
        : sign === "~"
          ? paint.yellow
          : paint.cyan;
  return colour(sign) + line.slice(1);
}

/** `plan -o json`: the plan, plus the expiry revocations listed apart (`expirations`). */
export function planJson(plan: Plan): Plan & { expirations: ExpiryStep[] } {
  return { ...plan, expirations: expirations(plan) };
}

/**
 * The plan as a reader wants it: grouped by organization in plan order, then what is blocked,
 * the warnings, the safety verdict and one summary line.
 */
export function renderPlanTable(plan: Plan, options: RenderOptions = {}): string {
  const paint = options.paint ?? PLAIN;
  const lines: string[] = [`Plan for revision ${plan.revision}`];
  const byOrg = new Map<string, Step[]>();
  for (const step of plan.steps) {
    if (isExpiryStep(step)) continue;
    const list = byOrg.get(step.org);
    if (list) list.push(step);
    else byOrg.set(step.org, [step]);
  }
  for (const org of [...byOrg.keys()].sort()) {
    lines.push("", `${org}:`);
    for (const step of byOrg.get(org) ?? []) {
      lines.push(`  ${paintStep(describeStep(step), paint)} — ${step.reason}`);
    }
  }
  const expired = expirations(plan);
  if (expired.length > 0) {
    lines.push("", "Expired (declared expiresAt passed; not counted against maxRemovals):");
    for (const s of expired)
      lines.push(`  ${s.org}: ${paintStep(describeStep(s), paint)} — ${s.reason}`);
  }
  if (plan.blocked.length > 0) {
    lines.push("", "Blocked (not applied now):");
    for (const b of plan.blocked) {
      lines.push(`  ${b.org}: ${paintStep(describeStep(b), paint)} — ${b.blockedBy}`);
    }
  }
  if (plan.warnings.length > 0) {
    lines.push("");
    for (const w of plan.warnings) {
      lines.push(
        `${paint.yellow("warning:")} ${w.org ? `${w.org}: ` : ""}${w.message} [${w.code}]`,
      );
    }
  }
  lines.push("", safetyLine(plan, paint));
  for (const r of plan.safety.refusals) {
    lines.push(`  ${r.org}: ${r.rule}: ${refusalMessage(r.org, r.message)}`);
    if (r.hint) lines.push(`    hint: ${r.hint}`);
  }
  lines.push(summaryLine(plan, options.sourceWarnings ?? 0));
  return `${lines.join("\n")}\n`;
}

/** A refusal's message without the org it already sits under ("acme: acme: …" said once). */
function refusalMessage(org: string, message: string): string {
  return message.startsWith(`${org}: `) ? message.slice(org.length + 2) : message;
}

function safetyLine(plan: Plan, paint: Paint): string {
  const limits = plan.safety.removals
    .filter((r) => r.count > 0)
    .map((r) => `${r.org} ${r.count}/${r.limit}`);
  const removals = limits.length > 0 ? ` (removals: ${limits.join(", ")})` : "";
  return plan.safety.safe
    ? `Safety: ${paint.green("ok")}${removals}`
    : `Safety: ${paint.red("REFUSED")} — nothing will be applied to the orgs below${removals}`;
}

const NOUNS: Record<Step["action"], [string, string]> = {
  createOrganization: ["organization to create", "organizations to create"],
  updateOrganization: ["organization to update", "organizations to update"],
  invite: ["invite", "invites"],
  resendInvite: ["invite to resend", "invites to resend"],
  cancelInvite: ["invite to cancel", "invites to cancel"],
  changeRole: ["role change", "role changes"],
  transferOwnership: ["ownership transfer", "ownership transfers"],
  remove: ["removal", "removals"],
};

export function summaryLine(plan: Plan, sourceWarnings = 0): string {
  const counts = new Map<Step["action"], number>();
  for (const s of plan.steps) counts.set(s.action, (counts.get(s.action) ?? 0) + 1);
  const parts = [...counts].map(([action, n]) => `${n} ${NOUNS[action][n === 1 ? 0 : 1]}`);
  const head =
    plan.steps.length === 0
      ? "No changes"
      : `${plan.steps.length} change${plan.steps.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
  const warnings = plan.warnings.length + sourceWarnings;
  return `${head}; ${plan.blocked.length} blocked, ${warnings} warning${warnings === 1 ? "" : "s"}.`;
}
