/**
 * Defence in depth: an error from the client library may quote a request header or a token
 * response. Nothing that looks like a credential leaves the adapter in a message.
 */
const PATTERNS: [RegExp, string][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    "[redacted key]",
  ],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer [redacted]"],
  [/\bya29\.[A-Za-z0-9._-]+/g, "[redacted token]"],
  [
    /("?(?:access_token|refresh_token|id_token|private_key|client_secret|assertion)"?\s*[:=]\s*"?)[^",&\s}]+/gi,
    "$1[redacted]",
  ],
];

export function redactSecrets(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}
