/**
 * How long an invitation may stay valid: at least an hour (a shorter link expires before a
 * mail is read), at most a year (a forgotten link should not open an organization forever).
 * The schema's `expireAfter` pattern, the store and the API all keep these bounds.
 */
export const MIN_INVITE_EXPIRY_SECONDS = 3600;
export const MAX_INVITE_EXPIRY_SECONDS = 365 * 86400;

export function inviteExpiryProblem(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || !Number.isInteger(seconds)) {
    return "must be a whole number of seconds";
  }
  if (seconds < MIN_INVITE_EXPIRY_SECONDS || seconds > MAX_INVITE_EXPIRY_SECONDS) {
    return `must be between ${MIN_INVITE_EXPIRY_SECONDS} (1 hour) and ${MAX_INVITE_EXPIRY_SECONDS} (365 days), not ${seconds}`;
  }
  return undefined;
}
