import { readFile } from "node:fs/promises";
import type { GlobalOptions } from "@googleapis/admin";
import { BackendError } from "../../../model/index.js";

/** An auth client the `@googleapis/*` libraries accept (an OAuth2 client, JWT, GoogleAuth…). */
export type GoogleAuthClient = Exclude<GlobalOptions["auth"], string | undefined>;

/**
 * How Roster authenticates to Google (docs/google.md):
 * - `service-account`: a JSON key file and, for domain-wide delegation, the admin to act as;
 * - `adc`: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata
 *   server), optionally with a subject for delegation;
 * - `access-token`: an OAuth access token minted elsewhere (a token broker);
 * - `client`: a ready auth client (tests preset one so nothing reaches Google's token endpoint).
 */
export type GoogleCredentials =
  | { kind: "service-account"; keyFile: string; subject?: string }
  | { kind: "adc"; subject?: string }
  | { kind: "access-token"; accessToken: string }
  | { kind: "client"; client: GoogleAuthClient };

export const SCOPES = {
  groupMember: "https://www.googleapis.com/auth/admin.directory.group.member",
  userReadonly: "https://www.googleapis.com/auth/admin.directory.user.readonly",
  gmailSend: "https://www.googleapis.com/auth/gmail.send",
} as const;

export async function createAuthClient(
  credentials: GoogleCredentials,
  scopes: string[],
): Promise<GoogleAuthClient> {
  // Loaded on first use: every CLI command would otherwise pay for this SDK at start-up.
  const { auth: googleAuth } = await import("@googleapis/admin");
  switch (credentials.kind) {
    case "service-account": {
      const key = await readServiceAccountKey(credentials.keyFile);
      return new googleAuth.JWT({
        email: key.clientEmail,
        key: key.privateKey,
        scopes,
        ...(credentials.subject === undefined ? {} : { subject: credentials.subject }),
      });
    }
    case "adc":
      return new googleAuth.GoogleAuth({
        scopes,
        ...(credentials.subject === undefined
          ? {}
          : { clientOptions: { subject: credentials.subject } }),
      });
    case "access-token": {
      const client = new googleAuth.OAuth2();
      client.setCredentials({ access_token: credentials.accessToken });
      return client;
    }
    case "client":
      return credentials.client;
  }
}

/** Says how Roster authenticates, for logs: never the key, the token, or the key file's content. */
export function describeCredentials(credentials: GoogleCredentials): string {
  switch (credentials.kind) {
    case "service-account":
      return `service account key ${credentials.keyFile}${asSubject(credentials.subject)}`;
    case "adc":
      return `application default credentials${asSubject(credentials.subject)}`;
    case "access-token":
      return "a preset access token";
    case "client":
      return "a preset auth client";
  }
}

function asSubject(subject: string | undefined): string {
  return subject === undefined ? "" : ` acting as ${subject}`;
}

/**
 * Reads the key ourselves rather than handing the path to the library: a malformed file then
 * fails with a message that names the file and the fix, and never quotes its content (V8's
 * JSON.parse errors quote the text they choke on — here, a private key).
 */
async function readServiceAccountKey(
  path: string,
): Promise<{ clientEmail: string; privateKey: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new BackendError("invalid", `cannot read the service account key file ${path} (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BackendError(
      "invalid",
      `the service account key file ${path} is not JSON: download a JSON key for the service account (docs/google.md)`,
    );
  }
  const key = parsed as { type?: unknown; client_email?: unknown; private_key?: unknown };
  if (
    key.type !== "service_account" ||
    typeof key.client_email !== "string" ||
    typeof key.private_key !== "string"
  ) {
    throw new BackendError(
      "invalid",
      `the key file ${path} is not a service account key (it needs "type": "service_account", ` +
        `"client_email" and "private_key"): download a JSON key for the service account (docs/google.md)`,
    );
  }
  return { clientEmail: key.client_email, privateKey: key.private_key };
}
