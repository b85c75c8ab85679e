export type LogFields = Record<string, unknown>;

/** The controller's logger: one JSON object per line, as log collectors in a cluster expect. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

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
