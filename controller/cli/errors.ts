import { BackendError, redactUrls } from "../model/index.js";

/** An error the user can act on: printed as-is, without a stack trace. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UsageError";
    this.exitCode = exitCode;
  }
}

/** Every error the CLI prints goes through the one URL redaction (model/redact-url.ts). */
export function printError(error: unknown): void {
  const write = (text: string) => process.stderr.write(redactUrls(text));
  if (error instanceof UsageError) {
    write(`roster: ${error.message}\n`);
  } else if (error instanceof BackendError) {
    write(`roster: backend error (${error.code}): ${error.message}\n`);
  } else if (error instanceof Error) {
    write(`roster: ${error.message}\n`);
    if (process.env.ROSTER_DEBUG) write(`${error.stack ?? ""}\n`);
  } else {
    write(`roster: ${String(error)}\n`);
  }
}

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? error.exitCode : 1;
}
