import type { LogFields, Logger } from "../../model/index.js";

export type { LogFields, Logger } from "../../model/index.js";

/** Kubernetes mode's Logger: one JSON object per line, as log collectors in a cluster expect. */
export function jsonLogger(
  write: (line: string) => void,
  now: () => Date = () => new Date(),
): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      write(`${JSON.stringify({ time: now().toISOString(), level, msg: message, ...fields })}\n`);
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
