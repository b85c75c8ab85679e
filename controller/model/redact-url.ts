/**
 * The one redaction of URLs in text Roster prints or logs (errors, describe strings, logs):
 * `https://user:token@host/x?token=abc` → `https://***@host/x?token=***`. User-info and every
 * query value are credentials as far as a log reader knows. Tokens belong in ROSTER_GIT_TOKEN,
 * --git-token-file, ROSTER_TOKEN or --token-file, never in a URL.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (url) =>
    url
      .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]+@/i, "$1***@")
      .replace(/([?&][^=&#\s]+=)[^&#\s'"]*/g, "$1***"),
  );
}

const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/** True when `url` carries user-info (`user:password@` or `token@`) over HTTP(S). */
export function hasHttpUserinfo(url: string): boolean {
  return /^https?:\/\/[^/?#@\s]+@/i.test(url);
}
