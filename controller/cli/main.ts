#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// The composition root: commander parses, commands call the core, errors become exit codes.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`roster: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
