import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant
 * time over the raw bytes, before any JSON parsing
 * (https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries).
 */
const SIGNATURE = /^sha256=[0-9a-fA-F]{64}$/;

export function verifyGitHubSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  // Exactly 64 hex digits: Buffer.from(…, "hex") silently stops at the first non-hex character,
  // so `sha256=<hex>zz` would otherwise pass.
  if (header === undefined || !SIGNATURE.test(header)) return false;
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  // A malformed hex string decodes short; timingSafeEqual needs equal lengths.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signGitHubPayload(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}
