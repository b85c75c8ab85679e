import type { InvitableRole, Role } from "../../model/index.js";
import { isInvitableRole, isRole } from "../../model/index.js";
import { ApiError } from "./errors.js";

/** Shape checks on request bodies; the store validates meaning (email syntax, rules). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("invalid", "the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") {
    throw new ApiError("invalid", `"${field}" is required and must be a non-empty string`);
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ApiError("invalid", `"${field}" must be a string`);
  return value;
}

export function requiredRole(body: Record<string, unknown>, field: string): Role {
  const value = body[field];
  if (!isRole(value)) {
    throw new ApiError("invalid", `"${field}" must be owner, admin or member (R1)`);
  }
  return value;
}

export function optionalRole(body: Record<string, unknown>, field: string): Role | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredRole(body, field);
}

export function invitableRole(body: Record<string, unknown>, field: string): InvitableRole {
  const value = body[field];
  if (!isInvitableRole(value)) {
    throw new ApiError(
      "invalid",
      `"${field}" must be admin or member: invitations never carry owner (R7)`,
    );
  }
  return value;
}

/**
 * `managed: true` marks the record a write creates or changes as managed by Roster; absent or
 * false leaves an existing mark alone (a write cannot remove one).
 */
export function managedFlag(body: Record<string, unknown>): { managed?: true } {
  const value = body.managed;
  if (value === undefined || value === null || value === false) return {};
  if (value !== true) throw new ApiError("invalid", `"managed" must be true or false`);
  return { managed: true };
}

/** `?limit=` and `?cursor=`; the store checks the range (1…200) and the cursor's shape. */
export function pageRequest(query: URLSearchParams): { cursor?: string; limit?: number } {
  const limit = query.get("limit");
  const cursor = query.get("cursor");
  const page: { cursor?: string; limit?: number } = {};
  if (limit !== null) {
    if (!/^\d{1,6}$/.test(limit)) {
      throw new ApiError("invalid", "limit must be a whole number from 1 to 200");
    }
    page.limit = Number(limit);
  }
  if (cursor !== null && cursor !== "") page.cursor = cursor;
  return page;
}

export function listReply<T>(page: { items: T[]; nextCursor?: string }): {
  status: number;
  body: { items: T[]; next_cursor: string | null };
} {
  return { status: 200, body: { items: page.items, next_cursor: page.nextCursor ?? null } };
}
