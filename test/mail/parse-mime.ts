/**
 * Just enough of a MIME reader for the tests to look inside what the mailers produced:
 * unfolded headers (RFC 5322 §2.2.3), RFC 2047 encoded words, multipart bodies, and
 * quoted-printable / base64 transfer encodings.
 */
export interface ParsedMail {
  headers: Map<string, string>;
  /** The decoded text/plain and text/html parts. */
  text: string;
  html: string;
  contentType: string;
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = split(raw);
  const contentType = headers.get("content-type") ?? "text/plain";
  const parts = contentType.startsWith("multipart/")
    ? multipartParts(body, boundaryOf(contentType))
    : [{ headers, body }];
  const find = (type: string) => {
    const part = parts.find((p) => (p.headers.get("content-type") ?? "").startsWith(type));
    return part === undefined
      ? ""
      : decodeBody(part.body, part.headers.get("content-transfer-encoding"));
  };
  return { headers, text: find("text/plain"), html: find("text/html"), contentType };
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, "\n");
  const end = text.indexOf("\n\n");
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? "" : text.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(
        line.slice(0, colon).trim().toLowerCase(),
        decodeWords(line.slice(colon + 1).trim()),
      );
    }
  }
  return { headers, body };
}

function boundaryOf(contentType: string): string {
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!match) throw new Error(`no boundary in ${contentType}`);
  return match[1]!;
}

function multipartParts(body: string, boundary: string) {
  return body
    .split(`--${boundary}`)
    .slice(1)
    .filter((chunk) => !chunk.startsWith("--"))
    .map((chunk) => split(chunk.replace(/^\n/, "")));
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "7bit").toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return decodeQp(body);
    default:
      return body;
  }
}

function decodeQp(text: string): string {
  const bytes: number[] = [];
  const unfolded = text.replace(/=\n/g, "");
  for (let i = 0; i < unfolded.length; i++) {
    const char = unfolded[i]!;
    if (char === "=" && /^[0-9A-F]{2}$/i.test(unfolded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** `=?UTF-8?Q?…?=` and `=?UTF-8?B?…?=` (RFC 2047); whitespace between encoded words drops. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(
      /=\?([^?]+)\?([QB])\?([^?]*)\?=/gi,
      (_all, _charset: string, kind: string, data: string) =>
        kind.toUpperCase() === "B"
          ? Buffer.from(data, "base64").toString("utf8")
          : decodeQp(data.replace(/_/g, " ")),
    );
}
