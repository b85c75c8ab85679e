import { readFileSync } from "node:fs";
import {
  DEFAULT_OUTBOX_DIR,
  GmailMailer,
  OutboxMailer,
  SmtpMailer,
} from "../adapters/mail/index.js";
import type { Mailer } from "../model/index.js";
import { isValidEmail } from "../model/index.js";
import { UsageError } from "./errors.js";
import { googleCredentialsFrom, parseSpec, withSlash, type GoogleEnv } from "./google-uri.js";

export const DEFAULT_MAILER = "outbox";

export const SUPPORTED_MAILERS = [
  `outbox[:DIR] (default: one .eml file per invitation in ${DEFAULT_OUTBOX_DIR})`,
  "smtp://[USER@]HOST[:PORT][?secure=true&from=ADDR…] (password from ROSTER_SMTP_PASSWORD)",
  "gmail:SENDER (Gmail API, Google credentials as for google: backends)",
];

export interface MailerEnv extends GoogleEnv {
  ROSTER_SMTP_PASSWORD?: string;
  ROSTER_SMTP_PASSWORD_FILE?: string;
}

/**
 * `--mailer SPEC` (docs/mail.md). Secrets never come from the spec itself: a spec is echoed
 * in logs and visible in the process list.
 */
export function openMailer(spec: string = DEFAULT_MAILER, env: MailerEnv = process.env): Mailer {
  const scheme = /^([a-z]+)(:|$)/i.exec(spec)?.[1]?.toLowerCase();
  switch (scheme) {
    case "outbox": {
      const { target, params } = parseSpec(spec, "outbox", ["from"]);
      return new OutboxMailer({
        dir: target === "" ? DEFAULT_OUTBOX_DIR : target,
        ...fromParam(params),
      });
    }
    case "smtp":
    case "smtps":
      return openSmtp(spec, scheme, env);
    case "gmail": {
      const { target: sender, params } = parseSpec(spec, "gmail", [
        "subject",
        "keyFile",
        "name",
        "rootUrl",
      ]);
      if (!isValidEmail(sender)) {
        throw new UsageError(`gmail: needs the sending mailbox, e.g. --mailer gmail:team@acme.com`);
      }
      const rootUrl = params.get("rootUrl");
      const name = params.get("name");
      return new GmailMailer({
        sender,
        credentials: googleCredentialsFrom(params, env, sender),
        ...(name === null ? {} : { senderName: name }),
        ...(rootUrl === null ? {} : { rootUrl: withSlash(rootUrl) }),
      });
    }
    default:
      throw new UsageError(
        `unknown mailer "${spec.replace(/\/\/[^/@]*@/, "//***@")}"; supported: ${SUPPORTED_MAILERS.join("; ")}`,
      );
  }
}

const SMTP_PARAMS = [
  "secure",
  "requireTLS",
  "tlsRejectUnauthorized",
  "ca",
  "servername",
  "from",
  "passwordFile",
];

function openSmtp(spec: string, scheme: "smtp" | "smtps", env: MailerEnv): SmtpMailer {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`${scheme}: expected ${scheme}://[USER@]HOST[:PORT][?…]`);
  }
  if (url.password !== "") {
    throw new UsageError(
      `${scheme}: do not put the password in --mailer (it shows in logs and the process list): ` +
        `set ROSTER_SMTP_PASSWORD or ?passwordFile=PATH`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new UsageError(`${scheme}: needs a host, e.g. smtp://mail.acme.com:587`);
  const params = url.searchParams;
  for (const key of new Set(params.keys())) {
    if (!SMTP_PARAMS.includes(key)) {
      throw new UsageError(
        `${scheme}: unknown parameter "${key}" (allowed: ${SMTP_PARAMS.join(", ")})`,
      );
    }
  }
  const secure = flag(params, "secure") ?? scheme === "smtps";
  const port = url.port === "" ? (secure ? 465 : 587) : Number(url.port);
  const user = decodeURIComponent(url.username);
  const ca = params.get("ca");
  const servername = params.get("servername");
  const rejectUnauthorized = flag(params, "tlsRejectUnauthorized");
  // Unset: STARTTLS is required for every host but loopback (SmtpMailer decides).
  const requireTLS = flag(params, "requireTLS");
  return new SmtpMailer({
    host,
    port,
    secure,
    ...(requireTLS === undefined ? {} : { requireTLS }),
    tls: {
      ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
      ...(ca === null ? {} : { ca: readText(ca, "the CA file (?ca=)") }),
      ...(servername === null ? {} : { servername }),
    },
    ...(user === "" ? {} : { auth: { user, pass: smtpPassword(params, env) } }),
    from: params.get("from") ?? (isValidEmail(user) ? user : `Roster <roster@${host}>`),
  });
}

/** `ROSTER_SMTP_PASSWORD`, else a file (`?passwordFile=` or `ROSTER_SMTP_PASSWORD_FILE`). */
function smtpPassword(params: URLSearchParams, env: MailerEnv): string {
  if (env.ROSTER_SMTP_PASSWORD !== undefined && env.ROSTER_SMTP_PASSWORD !== "") {
    return env.ROSTER_SMTP_PASSWORD;
  }
  const file = params.get("passwordFile") ?? env.ROSTER_SMTP_PASSWORD_FILE;
  if (file === undefined || file === "") {
    throw new UsageError(
      "smtp: a user is given but no password: set ROSTER_SMTP_PASSWORD, or ?passwordFile=PATH " +
        "(or ROSTER_SMTP_PASSWORD_FILE)",
    );
  }
  const password = readText(file, "the SMTP password file").replace(/\r?\n$/, "");
  if (password === "") throw new UsageError(`smtp: the password file ${file} is empty`);
  return password;
}

function flag(params: URLSearchParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new UsageError(`smtp: ?${name}= takes true or false, not "${value}"`);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`cannot read ${what} ${path} (${code})`);
  }
}

function fromParam(params: URLSearchParams): { from?: string } {
  const from = params.get("from");
  return from === null ? {} : { from };
}
