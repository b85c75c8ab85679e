import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A page's form is good for this long; after that, reloading the link gives a fresh one. */
export const CSRF_LIFETIME_MS = 60 * 60 * 1000;

/**
 * Per-page anti-forgery tokens, stateless: HMAC(server secret, invitation token, issue time).
 * A form is only accepted with a token this server issued for this very invitation, recently.
 * The secret lives in memory: a restart invalidates open pages (they say to reload).
 */
export class CsrfTokens {
  private readonly secret = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  issue(invitationToken: string): string {
    const issued = this.now().toString(36);
    return `${issued}.${this.mac(invitationToken, issued)}`;
  }

  verify(invitationToken: string, csrf: string): boolean {
    const [issued, mac] = csrf.split(".");
    if (issued === undefined || mac === undefined || !/^[0-9a-z]{1,12}$/.test(issued)) return false;
    const age = this.now() - parseInt(issued, 36);
    if (!(age >= 0 && age <= CSRF_LIFETIME_MS)) return false;
    const expected = Buffer.from(this.mac(invitationToken, issued));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(invitationToken: string, issued: string): string {
    return createHmac("sha256", this.secret)
      .update(`accept\n${invitationToken}\n${issued}`)
      .digest("base64url");
  }
}
