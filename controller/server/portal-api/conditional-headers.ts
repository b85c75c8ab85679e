import type http from "node:http";
import type { WriteOptions } from "../../adapters/backends/sqlite/store-types.js";
import type { Reply } from "./context.js";
import { ApiError } from "./errors.js";

// RFC 9110 §13.1: If-Match and If-None-Match, as this API takes them. One strong entity tag
// (as the ETag header gave it) or `*`; weak tags, lists and unquoted values are refused (400),
// as are both headers at once and either one on a route whose answer carries no ETag.

/** What a conditional header asks: one entity tag (unquoted), or none for `*` (any at all). */
interface Condition {
  header: "if-match" | "if-none-match";
  tag?: string;
}

const STRONG_TAG = /^\s*"([\x21\x23-\x7e]{1,64})"\s*$/;

function conditionOf(req: http.IncomingMessage, conditional: boolean): Condition | undefined {
  const ifMatch = header(req, "if-match");
  const ifNoneMatch = header(req, "if-none-match");
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (!conditional) {
    throw new ApiError("bad-request", "this route takes no If-Match or If-None-Match");
  }
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw new ApiError("bad-request", "send If-Match or If-None-Match, not both");
  }
  const name = ifMatch !== undefined ? "if-match" : "if-none-match";
  const value = (ifMatch ?? ifNoneMatch ?? "").trim();
  if (value === "*") return { header: name };
  const tag = STRONG_TAG.exec(value)?.[1];
  if (tag === undefined) {
    const label = name === "if-match" ? "If-Match" : "If-None-Match";
    throw new ApiError(
      "bad-request",
      `${label} takes one strong entity tag as the ETag header gave it, or *: e.g. ${label}: "42"`,
    );
  }
  return { header: name, tag };
}

/**
 * A write's precondition: `If-Match: "<version>"` (the record still has that version),
 * `If-Match: *` (the record exists, whatever its version) or `If-None-Match: *` (no such record
 * yet). Both are optional: a client that sends neither writes unconditionally, as the Portal's
 * UI does. A mismatch is the store's 412.
 */
export function writePrecondition(
  req: http.IncomingMessage,
  conditional: boolean,
): WriteOptions["expect"] | undefined {
  const condition = conditionOf(req, conditional);
  if (condition === undefined) return undefined;
  if (condition.header === "if-none-match") {
    if (condition.tag !== undefined) {
      throw new ApiError(
        "bad-request",
        'If-None-Match on a write takes only "*" (no such record yet)',
      );
    }
    return { absent: true };
  }
  return condition.tag === undefined ? { present: true } : { version: condition.tag };
}

/**
 * A read's condition, judged against the answer's ETag once the handler found the resource
 * (a missing one is 404 first): `If-Match` that does not match is 412 (`*` matches any
 * current representation); `If-None-Match` that matches is 304 Not Modified, without a body.
 */
export function readCondition(
  req: http.IncomingMessage,
  conditional: boolean,
): ((reply: Reply) => Reply) | undefined {
  const condition = conditionOf(req, conditional);
  if (condition === undefined) return undefined;
  return (reply) => {
    const current = reply.headers?.etag;
    if (reply.status !== 200 || current === undefined) return reply;
    const matches = condition.tag === undefined || `"${condition.tag}"` === current;
    if (condition.header === "if-match" && !matches) {
      throw new ApiError(
        "precondition-failed",
        `the resource is at ${current}, not "${condition.tag ?? ""}": it changed since it was read`,
      );
    }
    if (condition.header === "if-none-match" && matches) {
      return { status: 304, body: undefined, headers: { etag: current } };
    }
    return reply;
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
