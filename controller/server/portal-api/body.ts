import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

/** Request bodies above this are refused with 413 before they are buffered (default 64 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON body with a size cap. A declared Content-Length over the cap is refused without
 * reading; a chunked body is counted as it streams and cut off at the cap. An empty body reads as
 * `{}` so that `POST …/resend` needs none.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const type = req.headers["content-type"];
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError("unsupported-media-type", "the request body must be application/json");
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError("bad-request", `malformed JSON body: ${syntaxDetail(error)}`);
  }
}

// V8's messages quote a snippet of the input; the body may hold a token, so only the position
// is echoed back.
function syntaxDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const position = /at position (\d+)/.exec(message);
  if (position) return `syntax error at position ${position[1]}`;
  if (message.startsWith("Unexpected end")) return "unexpected end of input";
  return "syntax error";
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload-too-large", `request body exceeds ${maxBytes} bytes`);
}
