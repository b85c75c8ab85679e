import { normalizeEmail } from "../model/index.js";

/** Code-unit order: identical on every machine, and far cheaper than localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `items` with normalised emails in strictly ascending order — the precondition of the merge walk
 * and of `findByEmail`. Backends and load already deliver that (the contracts say "sorted by
 * email"), so the common path is one linear check and no copy; anything else is normalised,
 * de-duplicated (the last entry of an email wins) and sorted.
 */
export function sortedByEmail<T extends { email: string }>(items: readonly T[]): readonly T[] {
  if (isNormalisedAscending(items, (item) => item.email)) return items;
  const byEmail = new Map<string, T>();
  for (const item of items) {
    const email = normalizeEmail(item.email);
    byEmail.set(email, email === item.email ? item : { ...item, email });
  }
  return [...byEmail.values()].sort((a, b) => compareText(a.email, b.email));
}

export function sortedEmails(emails: readonly string[]): readonly string[] {
  if (isNormalisedAscending(emails, (e) => e)) return emails;
  return [...new Set(emails.map(normalizeEmail))].sort(compareText);
}

function isNormalisedAscending<T>(items: readonly T[], emailOf: (item: T) => string): boolean {
  let previous: string | undefined;
  for (const item of items) {
    const email = emailOf(item);
    if ((previous !== undefined && email <= previous) || normalizeEmail(email) !== email) {
      return false;
    }
    previous = email;
  }
  return true;
}

/** Binary search in a `sortedByEmail` array: for the few point questions (the owner's row). */
export function findByEmail<T extends { email: string }>(
  sorted: readonly T[],
  email: string,
): T | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const item = sorted[mid] as T;
    if (item.email === email) return item;
    if (item.email < email) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export function hasEmail(sorted: readonly string[], email: string): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const item = sorted[mid] as string;
    if (item === email) return true;
    if (item < email) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
