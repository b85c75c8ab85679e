import { hostname } from "node:os";

/**
 * Whether the process that wrote an intent may still be running its write. Only a process on
 * this host that no longer exists is known dead; another host, or this very process (several
 * organizations may be reconciled at once), may still be writing — those intents wait until
 * they are stale (recover-intents.ts). A reused pid only delays recovery, never hastens it.
 */
export function writerAlive(writer: { host: string; pid: number }): boolean {
  if (writer.host !== hostname() || writer.pid === process.pid) return true;
  try {
    process.kill(writer.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
