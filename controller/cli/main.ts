#!/usr/bin/env node
import { buildProgram } from "./program.js";
import { exitCodeFor, printError } from "./errors.js";

// The composition root: commander parses, commands call the core, errors become exit codes.
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    printError(error);
    process.exitCode = exitCodeFor(error);
  });
