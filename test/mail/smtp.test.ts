import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { SmtpMailer } from "../../controller/adapters/mail/index.js";
import { requiresStartTls } from "../../controller/adapters/mail/smtp-mailer.js";
import { openMailer } from "../../controller/cli/mailer-uri.js";
import { BackendError } from "../../controller/model/index.js";
import { TOKEN, invite } from "./fixtures.js";
import { parseMail } from "./parse-mime.js";

interface Received {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
  secure: boolean;
}

const PASSWORD = "smtp-pa55word-secret";
const servers: SMTPServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A real SMTP server (smtp-server) on 127.0.0.1 port 0 that keeps what it receives. */
async function startServer(
  options: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; received: Received[]; logins: string[] }> {
  const received: Received[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.username === "roster" && auth.password === PASSWORD) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : undefined,
          secure: session.secure,
        });
        callback();
      });
    },
    ...options,
  });
  // The untrusted-certificate case drops the TLS handshake: the server reports it as an event.
  server.on("error", () => undefined);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.server.address() as AddressInfo).port, received, logins };
}

describe("SmtpMailer", () => {
  it("delivers to the recipient with the subject and the accept link in both parts", async () => {
    const { port, received, logins } = await startServer();
    const mailer = new SmtpMailer({
      host: "127.0.0.1",
      port,
      auth: { user: "roster", pass: PASSWORD },
      from: "Acme Team <team@acme.com>",
    });

    await mailer.sendInvite(invite());
    mailer.close();

    expect(logins).toEqual([`roster:${PASSWORD}`]);
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail!.from).toBe("team@acme.com");
    expect(mail!.to).toEqual(["bob@acme.com"]);
    expect(mail!.user).toBe("roster");
    const parsed = parseMail(mail!.raw);
    expect(parsed.headers.get("to")).toBe("bob@acme.com");
    expect(parsed.headers.get("subject")).toBe("You're invited to join Acme Inc. on Workjet");
    expect(parsed.contentType).toMatch(/^multipart\/alternative/);
    expect(parsed.text).toContain(`https://portal.example.com/accept?token=${TOKEN}`);
    expect(parsed.html).toContain(`href="https://portal.example.com/accept?token=${TOKEN}"`);
    expect(mailer.describe).toBe(`smtp://roster@127.0.0.1:${port}`);
  });

  it("fails a wrong password as non-transient, quoting neither password nor token", async () => {
    const { port, received } = await startServer();
    const mailer = new SmtpMailer({
      host: "127.0.0.1",
      port,
      auth: { user: "roster", pass: "wrong-password-xyz" },
      from: "team@acme.com",
    });
    const error = await mailer.sendInvite(invite()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("unauthenticated");
    expect((error as BackendError).transient).toBe(false);
    expect((error as Error).message).not.toContain("wrong-password-xyz");
    expect((error as Error).message).not.toContain(TOKEN);
    expect(received).toHaveLength(0);
  });

  it("treats a 4xx reply as transient and a 5xx reply as permanent", async () => {
    let reply = 451;
    const { port } = await startServer({
      authOptional: true,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("try later or never"), { responseCode: reply }));
      },
    });
    const mailer = new SmtpMailer({ host: "127.0.0.1", port, from: "team@acme.com" });
    const temporary = await mailer.sendInvite(invite()).catch((e: unknown) => e);
    expect((temporary as BackendError).transient).toBe(true);
    reply = 550;
    const permanent = await mailer.sendInvite(invite()).catch((e: unknown) => e);
    expect((permanent as BackendError).transient).toBe(false);
    expect((permanent as BackendError).message).toContain("bob@acme.com");
  });

  it("a refused connection is transient", async () => {
    const { port } = await startServer();
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const mailer = new SmtpMailer({
      host: "127.0.0.1",
      port,
      from: "team@acme.com",
      timeoutMs: 2000,
    });
    const error = await mailer.sendInvite(invite()).catch((e: unknown) => e);
    expect((error as BackendError).transient).toBe(true);
  });

  it("speaks implicit TLS and verifies the server against a given CA", async () => {
    const dir = await mkdtemp(join(tmpdir(), "roster-smtp-tls-"));
    dirs.push(dir);
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    const cert = await readFile(join(dir, "cert.pem"), "utf8");
    const key = await readFile(join(dir, "key.pem"), "utf8");
    const { port, received } = await startServer({ secure: true, key, cert, disabledCommands: [] });

    const untrusted = new SmtpMailer({
      host: "127.0.0.1",
      port,
      secure: true,
      auth: { user: "roster", pass: PASSWORD },
      from: "team@acme.com",
    });
    const refused = await untrusted.sendInvite(invite()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect((refused as BackendError).code).toBe("tls");
    expect((refused as BackendError).transient).toBe(false);
    expect((refused as BackendError).message).toContain("self-signed certificate");
    expect(received).toHaveLength(0);

    const trusted = new SmtpMailer({
      host: "127.0.0.1",
      port,
      secure: true,
      tls: { ca: cert },
      auth: { user: "roster", pass: PASSWORD },
      from: "team@acme.com",
    });
    await trusted.sendInvite(invite());
    expect(received).toHaveLength(1);
    expect(received[0]!.secure).toBe(true);
    expect(trusted.describe).toBe(`smtps://roster@127.0.0.1:${port}`);
  });

  it("requires STARTTLS for every host but loopback, unless the URI opts out explicitly", () => {
    expect(requiresStartTls("mail.acme.com", false)).toBe(true);
    expect(requiresStartTls("10.0.0.5", false)).toBe(true);
    expect(requiresStartTls("::ffff:10.0.0.5", false)).toBe(true);
    for (const local of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"]) {
      expect(requiresStartTls(local, false), local).toBe(false);
    }
    // Implicit TLS needs no upgrade; an explicit choice wins either way.
    expect(requiresStartTls("mail.acme.com", true)).toBe(false);
    expect(requiresStartTls("mail.acme.com", false, false)).toBe(false);
    expect(requiresStartTls("127.0.0.1", false, true)).toBe(true);

    const env = { ROSTER_SMTP_PASSWORD: PASSWORD };
    const startTls = (uri: string) => (openMailer(uri, env) as SmtpMailer).startTlsRequired;
    expect(startTls("smtp://roster@mail.acme.com")).toBe(true);
    expect(startTls("smtp://roster@mail.acme.com:25?requireTLS=false")).toBe(false);
    expect(startTls("smtp://roster@127.0.0.1:2525")).toBe(false);
    expect(startTls("smtps://roster@mail.acme.com")).toBe(false);
  });

  it("with STARTTLS required, a server that offers none gets neither the password nor the mail", async () => {
    const { port, received, logins } = await startServer();
    // What a non-loopback host gets by default, pointed at a local server without STARTTLS.
    const mailer = new SmtpMailer({
      host: "127.0.0.1",
      port,
      requireTLS: true,
      auth: { user: "roster", pass: PASSWORD },
      from: "team@acme.com",
    });
    const error = await mailer.sendInvite(invite()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("tls");
    expect((error as BackendError).transient).toBe(false);
    expect((error as Error).message).toContain("does not offer STARTTLS");
    expect((error as Error).message).toContain("?requireTLS=false");
    expect(logins).toEqual([]);
    expect(received).toEqual([]);
  });

  it("with STARTTLS required and offered, it upgrades before it logs in", async () => {
    const dir = await mkdtemp(join(tmpdir(), "roster-smtp-starttls-"));
    dirs.push(dir);
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    const cert = await readFile(join(dir, "cert.pem"), "utf8");
    const key = await readFile(join(dir, "key.pem"), "utf8");
    const { port, received, logins } = await startServer({
      key,
      cert,
      disabledCommands: [],
      allowInsecureAuth: false,
    });
    const mailer = new SmtpMailer({
      host: "127.0.0.1",
      port,
      requireTLS: true,
      tls: { ca: cert },
      auth: { user: "roster", pass: PASSWORD },
      from: "team@acme.com",
    });
    await mailer.sendInvite(invite());
    expect(logins).toEqual([`roster:${PASSWORD}`]);
    expect(received).toHaveLength(1);
    expect(received[0]!.secure).toBe(true);
  });
});
