import type http from "node:http";
import type { PortalStore } from "../../adapters/backends/sqlite/store.js";
import { BackendError } from "../../model/index.js";
import type { DeadLink } from "./accept-html.js";
import { acceptedPage, deadLinkPage, invitationPage, refusedPage } from "./accept-html.js";
import { CsrfTokens } from "./csrf.js";

/** A form with two hidden fields is far below this. */
const MAX_FORM_BYTES = 8 * 1024;

// The page loads nothing (no script, image, font or stylesheet), cannot be framed, and posts
// only to itself; the token in its URL is never sent to another site as a Referer.
// (`same-origin`, not `no-referrer`: with no-referrer browsers post the form with
// `Origin: null`, and the origin check below could no longer tell our page from any other.)
const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/**
 * The page an invitation mail links to (`GET /accept?token=…`) and its form
 * (`POST /accept`, the token in the body). Plain HTML, readable without JavaScript.
 */
export function createAcceptPage(store: PortalStore, now: () => number = Date.now) {
  const csrf = new CsrfTokens(now);

  const show = (res: http.ServerResponse, token: string): void => {
    const inv = token === "" ? undefined : store.invitationByToken(token);
    if (!inv) return send(res, 404, deadLinkPage("unknown"));
    if (inv.status !== "pending") return send(res, 410, deadLinkPage(inv.status as DeadLink, inv));
    send(res, 200, invitationPage(inv, token, csrf.issue(token)));
  };

  const accept = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const crossSite = crossSiteReason(req);
    if (crossSite) return send(res, 403, refusedPage(crossSite));
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      return send(res, 415, refusedPage("The form must be sent as a web form."));
    }
    const form = new URLSearchParams(await readBody(req));
    const token = form.get("token") ?? "";
    if (!csrf.verify(token, form.get("csrf") ?? "")) {
      return send(
        res,
        403,
        refusedPage("This form is stale or did not come from the invitation page."),
      );
    }
    const inv = store.invitationByToken(token);
    try {
      const result = store.acceptInvitation(token);
      send(
        res,
        200,
        acceptedPage({ ...result, orgDisplayName: inv?.orgDisplayName ?? result.org }),
      );
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      const now = store.invitationByToken(token);
      if (error.code === "gone" && now && now.status !== "pending") {
        return send(res, 410, deadLinkPage(now.status as DeadLink, now));
      }
      if (error.code === "gone") return send(res, 410, deadLinkPage("expired", inv));
      if (error.code === "not-found") return send(res, 404, deadLinkPage("unknown"));
      throw error;
    }
  };

  /** Serves the request when it is for the page: true if it was. */
  return async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<boolean> => {
    if (url.pathname !== "/accept") return false;
    if (req.method === "GET" || req.method === "HEAD")
      show(res, url.searchParams.get("token") ?? "");
    else if (req.method === "POST") await accept(req, res);
    else {
      res.writeHead(405, { ...HEADERS, allow: "GET, HEAD, POST" });
      res.end(refusedPage("Open the link from your invitation mail."));
    }
    return true;
  };
}

/**
 * A form posted from another site is refused whatever it carries: browsers say where a
 * request comes from (Sec-Fetch-Site; Origin on every POST). Tools that send neither still
 * need the page's anti-forgery token.
 */
function crossSiteReason(req: http.IncomingMessage): string | undefined {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return "The form was sent from another site.";
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return "The form was sent from an unknown origin.";
  }
  return host === req.headers.host ? undefined : "The form was sent from another site.";
}

function send(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...HEADERS, "content-length": Buffer.byteLength(html) });
  res.end(res.req.method === "HEAD" ? undefined : html);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(new BackendError("invalid", "form too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
