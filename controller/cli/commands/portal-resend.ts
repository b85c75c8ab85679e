import type { Command } from "commander";
import { BackendError } from "../../model/index.js";
import { redactUrls } from "../../model/index.js";
import { openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";
import { describeMailReport } from "../mail-report.js";
import { addMailerOptions, mailerOpenOptions, type MailerFlags } from "../mailer-options.js";
import { printJson } from "../output.js";
import type { PortalFlags } from "../portal-support.js";
import {
  addPortalOptions,
  cliActor,
  outputFormat,
  requireOrganization,
} from "../portal-support.js";

interface ResendFlags extends PortalFlags, MailerFlags {
  org: string;
}

/** How long the command waits for its one mail (a retry or two) before saying it is queued. */
const MAIL_WAIT_MS = 10_000;

/**
 * `roster portal resend EMAIL --org ORG`: a new token and expiry for an open invitation (the
 * old link stops working), one audit event, and one mail through the outbox.
 */
export function registerPortalResend(portal: Command): void {
  addMailerOptions(
    addPortalOptions(
      portal
        .command("resend")
        .description(
          "Resend EMAIL's open invitation to ORG: a new link (the old one stops working) and one mail",
        )
        .argument("<email>", "the invited address")
        .requiredOption("--org <org>", "the organization that sent the invitation"),
    ),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal resend bob@acme.com --org acme\n  resent the invitation of bob@acme.com to acme (expires …): mail delivered\n",
    )
    .action(async (email: string, flags: ResendFlags) => {
      const format = outputFormat(flags);
      const opened = await openBackend(flags.backend, {
        create: false,
        ...mailerOpenOptions(flags),
      });
      try {
        const store = opened.store;
        if (!store) {
          throw new UsageError(
            `roster portal works on the embedded store (sqlite:PATH); ${redactUrls(flags.backend)} is not one`,
          );
        }
        requireOrganization(store, flags.org, flags.backend);
        const result = await store.resendInvite(cliActor("resend"), flags.org, email, {
          reason: "roster portal resend",
        });
        const report = await store.mail?.drain({ waitMs: MAIL_WAIT_MS });
        const mine = (report?.undelivered ?? []).filter(
          (m) => m.org === flags.org && m.email === result.invitation?.email,
        );
        const delivered = mine.length === 0;
        if (format === "json") {
          printJson({
            org: flags.org,
            email: result.invitation?.email,
            expiresAt: result.invitation?.expiresAt,
            outcome: result.outcome,
            delivered,
          });
        } else {
          process.stdout.write(
            `resent the invitation of ${result.invitation?.email ?? email} to ${flags.org} ` +
              `(expires ${result.invitation?.expiresAt ?? "?"})` +
              (delivered ? `: mail delivered via ${store.mail?.describe ?? "?"}\n` : "\n"),
          );
        }
        if (!delivered && store.mail) {
          for (const line of describeMailReport({
            via: store.mail.describe,
            delivered: 0,
            undelivered: mine,
          })) {
            process.stderr.write(`${line}\n`);
          }
          process.exitCode = 1;
        }
      } catch (error) {
        if (error instanceof BackendError && !error.transient) throw new UsageError(error.message);
        throw error;
      } finally {
        await opened.close();
      }
    });
}
