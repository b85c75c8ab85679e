import type { Command } from "commander";
import { printJson } from "../output.js";
import type { PortalFlags } from "../portal-support.js";
import {
  addPortalOptions,
  cliActor,
  outputFormat,
  requireOrganization,
  withStore,
} from "../portal-support.js";

interface OrgEmailFlags extends PortalFlags {
  org: string;
}

export function registerPortalWrites(portal: Command): void {
  addPortalOptions(
    portal
      .command("accept")
      .description("Accept EMAIL's pending invitation to ORG, as the invitee would (R7)")
      .argument("<email>", "the invited address")
      .requiredOption("--org <org>", "the organization that sent the invitation"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal accept bob@acme.com --org acme\n  bob@acme.com joined acme as member",
    )
    .action(async (email: string, flags: OrgEmailFlags) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        requireOrganization(store, flags.org, flags.backend);
        const result = store.acceptInvitationByEmail(cliActor("accept"), flags.org, email);
        if (format === "json") {
          printJson({
            org: result.org,
            email: result.email,
            role: result.role,
            outcome: result.outcome,
          });
        } else if (result.outcome === "applied") {
          process.stdout.write(`${result.email} joined ${result.org} as ${result.role}\n`);
        } else {
          process.stdout.write(
            `${result.email} is already ${result.role} of ${result.org}: nothing to accept\n`,
          );
        }
      });
    });

  addPortalOptions(
    portal
      .command("signin")
      .description(
        "Sign EMAIL in, as the Portal's Google sign-in would: links pending invitations and auto-provisions into organizations whose domain matches and that enable it (R8)",
      )
      .argument("<email>", "the address signing in"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal signin carol@acme.com\n  signed in carol@acme.com\n  joined acme as member (auto-provisioning)",
    )
    .action(async (email: string, flags: PortalFlags) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        // The session token is a credential: it stays in the store (hashed), never on screen.
        const { sessionToken: _secret, ...result } = store.signIn(email, {
          reason: "roster portal signin",
        });
        if (format === "json") {
          printJson(result);
          return;
        }
        const lines = [`signed in ${result.email}`];
        for (const j of result.joined) lines.push(`joined ${j.org} as ${j.role} (${j.via})`);
        lines.push(
          result.memberships.length === 0
            ? "member of no organization"
            : `member of: ${result.memberships.map((m) => `${m.org} (${m.role})`).join(", ")}`,
        );
        process.stdout.write(`${lines.join("\n")}\n`);
      });
    });

  addPortalOptions(
    portal
      .command("create-key")
      .description(
        "Create a personal API key for an active member of ORG and print it alone on stdout (shown once: only its hash is stored)",
      )
      .requiredOption("--org <org>", "the organization the key acts in")
      .requiredOption("--email <email>", "the member the key belongs to"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster portal create-key --org acme --email alice@acme.com > alice.key",
    )
    .action(async (flags: OrgEmailFlags & { email: string }) => {
      const format = outputFormat(flags);
      await withStore(flags, (store) => {
        requireOrganization(store, flags.org, flags.backend);
        const created = store.createApiKey(cliActor("create-key"), flags.org, flags.email, {
          reason: "roster portal create-key",
        });
        if (format === "json") {
          const { outcome: _outcome, ...shown } = created;
          printJson(shown);
        } else {
          process.stdout.write(`${created.key}\n`);
        }
      });
    });
}
