import { formatDuration } from "../model/index.js";
import type { Plan, Step } from "../plan/types.js";

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

/**
 * The plan as a reader wants it: grouped by organization in plan order, then what is blocked,
 * the warnings, the safety verdict and one summary line.
 */
export function renderPlanTable(plan: Plan): string {
  const lines: string[] = [`Plan for revision ${plan.revision}`];
  const byOrg = new Map<string, Step[]>();
  for (const step of plan.steps) {
    const list = byOrg.get(step.org);
    if (list) list.push(step);
    else byOrg.set(step.org, [step]);
  }
  for (const org of [...byOrg.keys()].sort()) {
    lines.push("", `${org}:`);
    for (const step of byOrg.get(org) ?? []) lines.push(`  ${describeStep(step)} — ${step.reason}`);
  }
  if (plan.blocked.length > 0) {
    lines.push("", "Blocked (not applied now):");
    for (const b of plan.blocked) lines.push(`  ${b.org}: ${describeStep(b)} — ${b.blockedBy}`);
  }
  if (plan.warnings.length > 0) {
    lines.push("", "Warnings:");
    for (const w of plan.warnings)
      lines.push(`  ${w.org ? `${w.org}: ` : ""}${w.message} [${w.code}]`);
  }
  lines.push("", safetyLine(plan));
  for (const r of plan.safety.refusals) {
    lines.push(`  ${r.org}: ${r.rule}: ${r.message}`);
    if (r.hint) lines.push(`    hint: ${r.hint}`);
  }
  lines.push(summaryLine(plan));
  return `${lines.join("\n")}\n`;
}

function safetyLine(plan: Plan): string {
  const limits = plan.safety.removals
    .filter((r) => r.count > 0)
    .map((r) => `${r.org} ${r.count}/${r.limit}`);
  const removals = limits.length > 0 ? ` (removals: ${limits.join(", ")})` : "";
  return plan.safety.safe
    ? `Safety: ok${removals}`
    : `Safety: REFUSED — nothing will be applied to the orgs below${removals}`;
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

export function summaryLine(plan: Plan): string {
  const counts = new Map<Step["action"], number>();
  for (const s of plan.steps) counts.set(s.action, (counts.get(s.action) ?? 0) + 1);
  const parts = [...counts].map(([action, n]) => `${n} ${NOUNS[action][n === 1 ? 0 : 1]}`);
  const head =
    plan.steps.length === 0
      ? "No changes"
      : `${plan.steps.length} change${plan.steps.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
  return `${head}; ${plan.blocked.length} blocked, ${plan.warnings.length} warning${plan.warnings.length === 1 ? "" : "s"}.`;
}
