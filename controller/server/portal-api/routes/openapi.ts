import document from "../openapi.json" with { type: "json" };
import type { Reply } from "../context.js";

export const OPENAPI_DOCUMENT: unknown = document;

export function getOpenApi(): Reply {
  return { status: 200, body: OPENAPI_DOCUMENT };
}
