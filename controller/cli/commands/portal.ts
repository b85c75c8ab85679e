import type { Command } from "commander";
import { registerPortalInit } from "./portal-init.js";
import { registerPortalReads } from "./portal-reads.js";
import { registerPortalResend } from "./portal-resend.js";
import { registerPortalWrites } from "./portal-writes.js";

/** `roster portal …`: play the Portal's other side (the invitee, the user) on the embedded store. */
export function registerPortal(program: Command): void {
  const portal = program
    .command("portal")
    .description(
      "Act on the embedded Portal store as its users would: accept invitations, sign in, list members and audit events, create API keys",
    )
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster portal init\n" +
        "  $ roster portal accept bob@acme.com --org acme\n" +
        "  $ roster portal members acme -o json",
    );
  registerPortalInit(portal);
  registerPortalWrites(portal);
  registerPortalResend(portal);
  registerPortalReads(portal);
}
