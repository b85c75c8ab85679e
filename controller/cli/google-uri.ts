import { join } from "node:path";
import { GoogleGroupsBackend, type GoogleCredentials } from "../adapters/backends/google/index.js";
import type { ControllerState, IdentityBackend } from "../model/index.js";
import { isValidEmail } from "../model/index.js";
import { UsageError } from "./errors.js";

/** The environment the Google URIs read (the composition root is the only reader of env). */
export interface GoogleEnv {
  /** A service account JSON key file (instead of `?keyFile=`). */
  ROSTER_GOOGLE_KEY_FILE?: string;
  /** The admin (or mailbox) to act as by domain-wide delegation (instead of `?subject=`). */
  ROSTER_GOOGLE_SUBJECT?: string;
  /** A ready OAuth access token, e.g. from a token broker; never accepted in a URI. */
  ROSTER_GOOGLE_ACCESS_TOKEN?: string;
}

export const DEFAULT_GOOGLE_RECORD_DIR = ".roster/google";

/** `scheme:TARGET?a=b` → the target and its parameters, refusing any parameter not in `allowed`. */
export function parseSpec(
  spec: string,
  scheme: string,
  allowed: readonly string[],
): { target: string; params: URLSearchParams } {
  const body = spec.slice(scheme.length + 1);
  const question = body.indexOf("?");
  const target = decodeURIComponent(question === -1 ? body : body.slice(0, question));
  const params = new URLSearchParams(question === -1 ? "" : body.slice(question + 1));
  for (const key of new Set(params.keys())) {
    if (!allowed.includes(key)) {
      throw new UsageError(
        `${scheme}: unknown parameter "${key}" (allowed: ${allowed.join(", ") || "none"})`,
      );
    }
  }
  return { target, params };
}

/**
 * Which Google credentials to use, in order: `ROSTER_GOOGLE_ACCESS_TOKEN`; a service account
 * key (`?keyFile=` or `ROSTER_GOOGLE_KEY_FILE`); else Application Default Credentials. The
 * subject (domain-wide delegation) comes from `?subject=`, `ROSTER_GOOGLE_SUBJECT`, or the
 * scheme's default (the sender, for Gmail).
 */
export function googleCredentialsFrom(
  params: URLSearchParams,
  env: GoogleEnv,
  defaultSubject?: string,
): GoogleCredentials {
  const token = env.ROSTER_GOOGLE_ACCESS_TOKEN;
  if (token !== undefined && token !== "") return { kind: "access-token", accessToken: token };
  const subject = params.get("subject") ?? env.ROSTER_GOOGLE_SUBJECT ?? defaultSubject;
  if (subject !== undefined && !isValidEmail(subject)) {
    throw new UsageError(`the Google subject "${subject}" is not an email address`);
  }
  const keyFile = params.get("keyFile") ?? env.ROSTER_GOOGLE_KEY_FILE;
  const withSubject = subject === undefined ? {} : { subject };
  if (keyFile !== undefined && keyFile !== "") {
    return { kind: "service-account", keyFile, ...withSubject };
  }
  return { kind: "adc", ...withSubject };
}

const BACKEND_PARAMS = ["org", "subject", "keyFile", "record", "rootUrl"] as const;

/**
 * `--backend google:GROUP_EMAIL[?org=NAME&subject=ADMIN&keyFile=PATH&record=PATH&rootUrl=URL]`
 * (docs/google.md). The controller state goes to its own file, as for every remote backend. A
 * group holds no marks of Roster's: the managed set is that file's only when the user named it
 * (`--state`, `managedSetKnown`); otherwise it is unknown rather than a folder's guess.
 */
export function openGoogleBackend(
  uri: string,
  options: { onWarning?: (message: string) => void; managedSetKnown?: boolean },
  openState: () => ControllerState,
  env: GoogleEnv = process.env,
): {
  backend: IdentityBackend;
  state: ControllerState;
  managedState?: ControllerState;
  close(): Promise<void>;
} {
  const { target: group, params } = parseSpec(uri, "google", BACKEND_PARAMS);
  if (!isValidEmail(group)) {
    throw new UsageError(
      `google: needs the group's email address, e.g. --backend google:eng@acme.com (got "${group}")`,
    );
  }
  const org = params.get("org") ?? undefined;
  if (org !== undefined && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(org)) {
    throw new UsageError(`google: ?org=${org} is not an organization name (a-z, 0-9 and -)`);
  }
  const rootUrl = params.get("rootUrl") ?? undefined;
  const backend = new GoogleGroupsBackend({
    group,
    ...(org === undefined ? {} : { org }),
    credentials: googleCredentialsFrom(params, env),
    recordFile:
      params.get("record") ?? join(DEFAULT_GOOGLE_RECORD_DIR, `${group.toLowerCase()}.json`),
    ...(rootUrl === undefined ? {} : { rootUrl: withSlash(rootUrl) }),
    warn: options.onWarning ?? ((message) => process.stderr.write(`roster: warning: ${message}\n`)),
  });
  const state = openState();
  return {
    backend,
    state,
    ...(options.managedSetKnown === true ? { managedState: state } : {}),
    close: async () => {
      await backend.close();
      await state.close();
    },
  };
}

/** The client library resolves API paths against rootUrl: it must end with a slash. */
export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
