import { InvalidArgumentError, type Command } from "commander";
import type { Mailer } from "../model/index.js";
import { DEFAULT_MAILER, openMailer } from "./mailer-uri.js";

/** `--mailer` and `--accept-url`, for the commands that may send invitations (embedded store). */
export interface MailerFlags {
  mailer?: string;
  acceptUrl?: string;
}

export function addMailerOptions(command: Command): Command {
  return command
    .option(
      "--mailer <spec>",
      "where invitation mail goes (embedded store): outbox[:DIR], smtp://[USER@]HOST[:PORT], gmail:SENDER",
      DEFAULT_MAILER,
    )
    .option(
      "--accept-url <url>",
      "the Portal's base address: invitation mail links to its /accept page (default http://127.0.0.1:8080, where `roster serve` listens)",
      httpUrl,
    );
}

/** What `openBackend` takes from these flags: the mailer, and the accept link when given. */
export function mailerOpenOptions(flags: MailerFlags): { mailer: Mailer; acceptUrlBase?: string } {
  const mailer = openMailer(flags.mailer ?? DEFAULT_MAILER);
  return flags.acceptUrl === undefined ? { mailer } : { mailer, acceptUrlBase: flags.acceptUrl };
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected an http(s) URL, e.g. https://portal.acme.com");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidArgumentError("expected an http(s) URL");
  }
  return value;
}
