import { pino } from "pino";
import type { DestinationStream, Logger } from "pino";

export type { Logger } from "pino";

/**
 * Structured JSON logs, one object per line on stdout (or `destination`). Callers bind `org` and
 * `revision` with `child()` so every line of a pass says which org and which commit it is about.
 * Token-like fields are redacted in case a caller ever logs an options object whole.
 */
export function createLogger(level = "info", destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: "roster" },
      redact: {
        paths: ["token", "*.token", "secret", "*.secret", "authorization", "*.authorization"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
