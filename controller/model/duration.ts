const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses durations such as `30s`, `5m`, `12h`, `7d`, `2w` (or a compound `1h30m`) to seconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(match[1]) * (UNIT_SECONDS[match[2] as string] ?? 0);
  }
  return total;
}

export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ["w", 604800],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
