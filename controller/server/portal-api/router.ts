import { ApiError } from "./errors.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

/** One route of the table; `path` uses OpenAPI templates (`/v1/orgs/{org}`). */
export interface Route {
  method: HttpMethod;
  path: string;
}

export interface Match<R extends Route> {
  route: R;
  params: Record<string, string>;
}

interface Compiled<R extends Route> {
  route: R;
  /** A literal segment, or null for a `{param}`; `names` holds the params in order. */
  segments: (string | null)[];
  names: string[];
}

/**
 * A table router: no regular expressions built from input, no framework. Paths are split on
 * `/` BEFORE percent-decoding, so an encoded `%2F` inside an email stays inside its segment.
 */
export class Router<R extends Route> {
  private readonly compiled: Compiled<R>[] = [];

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const segments: (string | null)[] = [];
      const names: string[] = [];
      for (const part of route.path.split("/").slice(1)) {
        const param = /^\{(\w+)\}$/.exec(part);
        if (param) names.push(param[1] as string);
        segments.push(param ? null : part);
      }
      this.compiled.push({ route, segments, names });
    }
  }

  /** The matching route; 404 for an unknown path; 405 (with `Allow`) for a known path. */
  match(method: string, pathname: string): Match<R> {
    const raw = pathname.split("/").slice(1);
    const allowed: string[] = [];
    for (const candidate of this.compiled) {
      const params = bind(candidate, raw);
      if (!params) continue;
      if (candidate.route.method === method) return { route: candidate.route, params };
      allowed.push(candidate.route.method);
    }
    if (allowed.length > 0) {
      throw new ApiError("method-not-allowed", `${method} is not allowed on ${pathname}`, {
        allow: allowed.join(", "),
      });
    }
    throw new ApiError("not-found", "no such route");
  }
}

function bind<R extends Route>(
  candidate: Compiled<R>,
  raw: string[],
): Record<string, string> | null {
  if (raw.length !== candidate.segments.length) return null;
  const params: Record<string, string> = {};
  let p = 0;
  for (let i = 0; i < raw.length; i++) {
    const literal = candidate.segments[i];
    const segment = raw[i] as string;
    if (literal !== null) {
      if (literal !== segment) return null;
      continue;
    }
    if (segment === "") return null;
    params[candidate.names[p++] as string] = decodeSegment(segment);
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError("bad-request", "malformed percent-encoding in the path");
  }
}
