import path from "node:path";
import { redactUrls } from "../../model/index.js";

/** A parsed `--source`/`--repo` Git location: `URL_OR_PATH[#REF][//SUBDIR]`. */
export interface GitSpec {
  /** The clone URL or local path as given, credentials removed. */
  location: string;
  /** Branch, tag or SHA; undefined means the remote's HEAD. */
  ref?: string;
  /** Folder inside the repository, without leading or trailing slashes; undefined = the root. */
  subdir?: string;
  /** HTTP(S) `user:password@` (or `token@`) from the URL: moved out so it never reaches the cache's config. */
  userinfo?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Git when the spec has a scheme (`https://`, `ssh://`, `file://`), is scp-like (`git@host:…`),
 * ends in `.git`, or carries `#REF` / `//SUBDIR` after a path. Anything else is a plain folder.
 */
export function looksLikeGitSpec(spec: string): boolean {
  if (SCHEME.test(spec) || spec.startsWith("git@")) return true;
  const { location } = splitSpec(spec);
  return location !== spec || /\.git\/?$/.test(location);
}

export function parseGitSpec(spec: string): GitSpec {
  const { location: raw, ref, subdir } = splitSpec(spec);
  if (raw === "") throw new Error(`invalid Git source "${redactUrls(spec)}": no URL or path`);
  if (ref !== undefined) checkRef(ref, spec);
  const { location, userinfo } = extractUserinfo(raw);
  const cleanSubdir = subdir?.replace(/^\/+|\/+$/g, "");
  if (cleanSubdir !== undefined && cleanSubdir.split("/").some((p) => p === ".." || p === ".")) {
    throw new Error(`invalid Git source subfolder "${cleanSubdir}": "." and ".." are not allowed`);
  }
  return {
    location,
    // `#HEAD` is the default spelled out: the remote's HEAD.
    ...(ref !== undefined && ref !== "" && ref !== "HEAD" ? { ref } : {}),
    ...(cleanSubdir ? { subdir: cleanSubdir } : {}),
    ...(userinfo !== undefined ? { userinfo } : {}),
  };
}

/** True for a location that git reaches over the network (or file://) rather than a local path. */
export function isRemoteLocation(location: string): boolean {
  return SCHEME.test(location) || /^[^/\\]+@[^/:]+:/.test(location);
}

/** A stable key for the cache folder: absolute for local paths, credential-free for URLs. */
export function canonicalLocation(location: string): string {
  return isRemoteLocation(location) ? location.replace(/\/+$/, "") : path.resolve(location);
}

export function describeGitSpec(spec: GitSpec): string {
  return `${spec.location}${spec.ref ? `#${spec.ref}` : ""}${spec.subdir ? `//${spec.subdir}` : ""}`;
}

function splitSpec(spec: string): { location: string; ref?: string; subdir?: string } {
  const scheme = SCHEME.exec(spec)?.[0] ?? "";
  const body = spec.slice(scheme.length);
  const hash = body.indexOf("#");
  if (hash >= 0) {
    const after = body.slice(hash + 1);
    // Ref names cannot contain "//" (git check-ref-format), so the first one starts SUBDIR.
    const sep = after.indexOf("//");
    return {
      location: scheme + body.slice(0, hash),
      ref: sep >= 0 ? after.slice(0, sep) : after,
      ...(sep >= 0 ? { subdir: after.slice(sep + 2) } : {}),
    };
  }
  const sep = body.indexOf("//", 1);
  if (sep >= 0) return { location: scheme + body.slice(0, sep), subdir: body.slice(sep + 2) };
  return { location: spec };
}

function extractUserinfo(location: string): { location: string; userinfo?: string } {
  // Only HTTP(S) userinfo is a secret; `ssh://git@host/…` names the SSH user and stays.
  const match = /^(https?:\/\/)([^/@]+)@(.*)$/i.exec(location);
  if (!match) return { location };
  const [, scheme = "", userinfo = "", rest = ""] = match;
  return { location: scheme + rest, userinfo: decodeURIComponent(userinfo) };
}

/** Refuses what git would read as an option or a revision expression rather than a name. */
export function checkRef(ref: string, spec = ref): void {
  if (ref.startsWith("-") || /[\s~^:?*[\\\0]|\.\.|@\{/.test(ref)) {
    throw new Error(
      `invalid Git ref "${ref}" in "${redactUrls(spec)}": use a branch, tag or commit SHA`,
    );
  }
}
