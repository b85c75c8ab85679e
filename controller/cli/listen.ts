import { InvalidArgumentError } from "commander";

/** `--listen HOST:PORT` (`[::1]:PORT` for IPv6); port 0 picks a free one. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65535) {
    throw new InvalidArgumentError(`expected HOST:PORT, e.g. 127.0.0.1:9090 (got "${value}")`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}
