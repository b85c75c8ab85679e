import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createPortalServer } from "../../server/portal-api/server.js";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { redactUrls } from "../../model/index.js";
import { UsageError } from "../errors.js";
import { addMailerOptions, mailerOpenOptions, type MailerFlags } from "../mailer-options.js";

interface ServeFlags extends MailerFlags {
  backend: string;
  listen: { host: string; port: number };
  bootstrapTokenFile?: string;
  rateLimit: number;
}

/** Draining in-flight requests on SIGTERM gives up after this, then drops the connections. */
const DRAIN_MS = 10_000;

export function registerServe(program: Command): void {
  addMailerOptions(program.command("serve"))
    .description(
      "Serve the embedded Portal store as the Portal team API over HTTP (JSON under /v1)",
    )
    .option("--backend <uri>", "the embedded Portal store to serve", DEFAULT_BACKEND_URI)
    .addOption(
      new Option("--listen <host:port>", "address to bind (port 0 picks a free one)")
        .argParser(parseListen)
        .default({ host: "127.0.0.1", port: 8080 }, "127.0.0.1:8080"),
    )
    .option(
      "--bootstrap-token-file <file>",
      "a secret whose bearer has system authority (creates organizations over the API)",
    )
    .option("--rate-limit <n>", "requests per second per API key (bursts of 2×n)", parseRate, 50)
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster portal init     # or a first roster apply: serve never creates one\n" +
        "  $ roster portal create-key --org acme --email alice@acme.com > alice.key\n" +
        "  $ roster serve --backend sqlite:.roster/portal.db --listen 127.0.0.1:8080\n" +
        "  $ roster plan --source examples/acme --backend http://127.0.0.1:8080 \\\n" +
        "      --token-file alice.key",
    )
    .action((flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  if (!flags.backend.startsWith("sqlite:")) {
    throw new UsageError(
      `roster serve serves the embedded store: use --backend sqlite:PATH, not ${redactUrls(flags.backend)}`,
    );
  }
  const bootstrapToken = await readBootstrapToken(flags.bootstrapTokenFile);
  // Serving a mistyped path would serve an empty store: refuse, as the read commands do.
  const opened = await openBackend(flags.backend, { ...mailerOpenOptions(flags), create: false });
  const store = opened.store;
  if (store === undefined) {
    await opened.close();
    throw new UsageError(`${redactUrls(flags.backend)} did not open as the embedded store`);
  }
  const server = createPortalServer({
    store,
    bootstrapToken,
    rateLimit: { ratePerSecond: flags.rateLimit, burst: 2 * flags.rateLimit },
    onInternalError: (error, where) => {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`roster serve: internal error on ${where}: ${message}\n`);
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(flags.listen.port, flags.listen.host, () => resolve());
    });
  } catch (error) {
    await opened.close();
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new UsageError(`cannot listen on ${flags.listen.host}:${flags.listen.port} (${code})`);
  }
  // Invitations made over the API are mailed at once; the outbox retries what failed.
  store.mail?.start();
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  // One line, read by people and by tests (the port when --listen asked for 0).
  process.stderr.write(
    `roster serve: listening on http://${host}:${address.port} (backend ${redactUrls(flags.backend)})\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      process.stderr.write(`roster serve: ${signal}: finishing in-flight requests\n`);
      const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  await store.mail?.stop();
  await opened.close();
  process.stderr.write("roster serve: stopped\n");
}

async function readBootstrapToken(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`cannot read the bootstrap token file ${file} (${code})`);
  }
  const token = text.trim();
  // Never echoed: only its length is checked, so a guessable token is refused.
  if (!/^[\x21-\x7e]{32,}$/.test(token)) {
    throw new UsageError(
      `the bootstrap token in ${file} must be one line of at least 32 visible characters ` +
        "(e.g. `openssl rand -base64 32`)",
    );
  }
  return token;
}

function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/i.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new InvalidArgumentError("expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:0");
  }
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}
