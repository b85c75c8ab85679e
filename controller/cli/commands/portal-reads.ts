import type { Command } from "commander";
import { printJson, renderTable } from "../output.js";
import type { PortalFlags } from "../portal-support.js";
import {
  addPortalOptions,
  allPages,
  cliActor,
  outputFormat,
  positiveInteger,
  requireOrganization,
  withStore,
} from "../portal-support.js";

const READER = cliActor("read");

export function registerPortalReads(portal: Command): void {
  addPortalOptions(
    portal.command("members").description("List the active members of ORG").argument("<org>"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal members acme\n  $ roster portal members acme -o json",
    )
    .action(async (org: string, flags: PortalFlags) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        requireOrganization(store, org, flags.backend);
        const members = allPages((cursor) =>
          store.listMembers(READER, org, { limit: 200, ...(cursor ? { cursor } : {}) }),
        );
        if (format === "json") return printJson({ org, members });
        process.stdout.write(
          renderTable(
            ["EMAIL", "ROLE", "SINCE", "AUTO-PROVISIONED"],
            members.map((m) => [m.email, m.role, m.since, m.autoProvisioned ? "yes" : ""]),
          ),
        );
      });
    });

  addPortalOptions(
    portal
      .command("invitations")
      .description("List ORG's open invitations (pending or expired)")
      .argument("<org>"),
  )
    .addHelpText("after", "\nExample:\n  $ roster portal invitations acme")
    .action(async (org: string, flags: PortalFlags) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        requireOrganization(store, org, flags.backend);
        const invitations = allPages((cursor) =>
          store.listInvitations(READER, org, { limit: 200, ...(cursor ? { cursor } : {}) }),
        );
        if (format === "json") return printJson({ org, invitations });
        process.stdout.write(
          renderTable(
            ["EMAIL", "ROLE", "STATUS", "SENT", "EXPIRES"],
            invitations.map((i) => [i.email, i.role, i.status, i.sentAt, i.expiresAt]),
          ),
        );
      });
    });

  addPortalOptions(
    portal
      .command("audit")
      .description(
        "Show ORG's latest audit events, oldest first: who changed what, why, from which revision",
      )
      .argument("<org>")
      .option("--limit <n>", "how many of the latest events", positiveInteger, 50),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal audit acme --limit 20\n  $ roster portal audit acme -o json",
    )
    .action(async (org: string, flags: PortalFlags & { limit: number }) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        requireOrganization(store, org, flags.backend);
        const events = [];
        let cursor: string | undefined;
        while (events.length < flags.limit) {
          const limit = Math.min(200, flags.limit - events.length);
          const page = store.listAudit(READER, org, { limit, ...(cursor ? { cursor } : {}) });
          events.push(...page.items);
          cursor = page.nextCursor;
          if (cursor === undefined) break;
        }
        events.reverse();
        if (format === "json") return printJson({ org, events });
        process.stdout.write(
          renderTable(
            ["TIME", "ACTOR", "ACTION", "TARGET", "CHANGE", "REVISION", "REASON"],
            events.map((e) => [
              e.time,
              e.actor,
              e.action,
              e.target ?? "",
              `${brief(e.before)} → ${brief(e.after)}`,
              e.revision ?? "",
              e.reason ?? "",
            ]),
          ),
        );
      });
    });

  addPortalOptions(portal.command("orgs").description("List the organizations in the store"))
    .addHelpText("after", "\nExample:\n  $ roster portal orgs -o json")
    .action(async (flags: PortalFlags) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        const organizations = store.listOrganizations(READER);
        if (format === "json") return printJson({ organizations });
        process.stdout.write(
          renderTable(
            ["NAME", "OWNER", "DOMAINS", "AUTO-PROVISIONING"],
            organizations.map((o) => [
              o.name,
              o.owner,
              o.settings.domains.join(",") || "-",
              o.settings.autoProvisioning.enabled ? o.settings.autoProvisioning.role : "off",
            ]),
          ),
        );
      });
    });
}

/** One line for a before/after value in the audit table (JSON stays complete in `-o json`). */
function brief(value: unknown): string {
  if (value === null || value === undefined) return "-";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
