import { UsageError } from "./errors.js";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An instant from an ISO date or date-time. A date alone is 00:00 UTC that day; a time without
 * a zone is UTC too, so a report never depends on the machine's time zone.
 */
export function parseInstant(value: string, flag: string): Date {
  const match = ISO.exec(value.trim());
  const bad = () =>
    new UsageError(
      `${flag} "${value}" is not an ISO date or time (e.g. 2024-03-01, 2024-03-01T09:30:00Z, 2024-03-01T10:30+01:00)`,
    );
  if (!match) throw bad();
  const [, y, mo, d, h, mi, , zone] = match;
  const text =
    h === undefined
      ? `${y}-${mo}-${d}T00:00:00Z`
      : value.trim().replace(" ", "T") + (zone ? "" : "Z");
  const date = new Date(text);
  // Date accepts 2024-02-30 as 1 March: refuse a day that does not exist.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    Number.isNaN(date.getTime()) ||
    day.getUTCDate() !== Number(d) ||
    day.getUTCMonth() !== Number(mo) - 1
  ) {
    throw bad();
  }
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59) throw bad();
  return date;
}
