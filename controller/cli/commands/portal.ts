import type { Command } from "commander";
import { registerPortalReads } from "./portal-reads.js";
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
      "\nExample:   $ roster portal accept bob@acme.com --org acme   $ roster portal members acme -o json",
    );
  registerPortalWrites(portal);
  registerPortalReads(portal);
}
