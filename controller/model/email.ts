/** Emails are the identity key and are compared case-insensitively (DESIGN: Member.spec.email). */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

// Deliberately practical rather than RFC 5322 complete: one @, a non-empty local part without
// spaces, and a dotted domain of letters, digits and hyphens.
const EMAIL = /^[^\s@"<>()[\],;:\\]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i;

export function isValidEmail(raw: string): boolean {
  return raw.length <= 254 && EMAIL.test(raw.trim());
}

export function emailDomain(email: string): string {
  const normalized = normalizeEmail(email);
  return normalized.slice(normalized.lastIndexOf("@") + 1);
}

export function isInDomains(email: string, domains: readonly string[]): boolean {
  const domain = emailDomain(email);
  return domains.some((d) => d.toLowerCase() === domain);
}
