import { BackendError } from "../model/index.js";

/** An error the user can act on: printed as-is, without a stack trace. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UsageError";
    this.exitCode = exitCode;
  }
}

export function printError(error: unknown): void {
  if (error instanceof UsageError) {
    process.stderr.write(`roster: ${error.message}\n`);
  } else if (error instanceof BackendError) {
    process.stderr.write(`roster: backend error (${error.code}): ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`roster: ${error.message}\n`);
    if (process.env.ROSTER_DEBUG) process.stderr.write(`${error.stack ?? ""}\n`);
  } else {
    process.stderr.write(`roster: ${String(error)}\n`);
  }
}

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? error.exitCode : 1;
}
