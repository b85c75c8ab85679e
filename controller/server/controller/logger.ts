import { pino } from "pino";
import type { DestinationStream, Logger as PinoLogger } from "pino";
import type { Logger } from "../../model/index.js";
import { redactUrls } from "../../model/index.js";

export type { Logger as PinoLogger } from "pino";

/**
 * Structured JSON logs, one object per line on stdout (or `destination`). Callers bind `org` and
 * `revision` with `child()` so every line of a pass says which org and which commit it is about.
 * Token-like fields are redacted in case a caller ever logs an options object whole, and
 * every URL in a line goes through the one redaction (model/redact-url.ts) before it is written.
 */
export function createLogger(level = "info", destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { name: "roster" },
      redact: {
        paths: ["token", "*.token", "secret", "*.secret", "authorization", "*.authorization"],
        censor: "[redacted]",
      },
      hooks: {
        streamWrite: (line: string) => redactUrls(line),
      },
    },
    destination,
  );
}

/** pino behind the controller's one Logger interface (message first, then the fields). */
export function asLogger(pino: PinoLogger): Logger {
  return {
    info: (message, fields = {}) => pino.info(fields, message),
    warn: (message, fields = {}) => pino.warn(fields, message),
    error: (message, fields = {}) => pino.error(fields, message),
  };
}
