import { GoogleFakeServer, HttpError, type Handler } from "./google-http.js";

/**
 * A fake of the Gmail API's `users.messages.send` (POST gmail/v1/users/{userId}/messages/send
 * with `{ raw }`, base64url of an RFC 5322 message), driven by the real `@googleapis/gmail`.
 */
export class FakeGmail {
  readonly server: GoogleFakeServer;
  /** Each accepted message, decoded. */
  readonly sent: { userId: string; raw: string }[] = [];

  constructor(readonly token = "gmail-test-token") {
    this.server = new GoogleFakeServer(this.handle, token);
  }

  static async start(token?: string): Promise<FakeGmail> {
    const fake = new FakeGmail(token);
    await fake.server.start();
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private readonly handle: Handler = (method, segments, _query, body) => {
    const [gmail, version, users, userId, messages, send] = segments;
    if (
      method !== "POST" ||
      gmail !== "gmail" ||
      version !== "v1" ||
      users !== "users" ||
      userId === undefined ||
      messages !== "messages" ||
      send !== "send"
    ) {
      throw new HttpError(404, "Not Found", "notFound");
    }
    const raw = (body as { raw?: unknown } | undefined)?.raw;
    if (typeof raw !== "string" || !/^[A-Za-z0-9_-]+=*$/.test(raw)) {
      throw new HttpError(400, "Invalid value for ByteString", "invalidArgument");
    }
    this.sent.push({ userId, raw: Buffer.from(raw, "base64url").toString("utf8") });
    const id = `msg-${this.sent.length}`;
    return { status: 200, body: { id, threadId: id, labelIds: ["SENT"] } };
  };
}
