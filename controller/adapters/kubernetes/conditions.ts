/** A kstatus condition (FACTS "Kubernetes controllers"): Ready, Reconciling, Stalled. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/**
 * Builds the conditions to write, keeping each `lastTransitionTime` from the previous status
 * while its `status` has not flipped (a changed reason or message is not a transition).
 */
export function mergeConditions(
  previous: unknown,
  next: readonly ConditionInput[],
  now: string,
  generation: number | undefined,
): Condition[] {
  const old = new Map<string, Condition>();
  if (Array.isArray(previous)) {
    for (const c of previous as Condition[]) {
      if (c && typeof c.type === "string") old.set(c.type, c);
    }
  }
  return next.map((c) => {
    const before = old.get(c.type);
    const since = before && before.status === c.status ? before.lastTransitionTime : now;
    const condition: Condition = { ...c, lastTransitionTime: since };
    if (generation !== undefined) condition.observedGeneration = generation;
    return condition;
  });
}

/** Kubernetes condition messages are capped at 32768 bytes; keep ours readable well below. */
export function clip(message: string, max = 1024): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
