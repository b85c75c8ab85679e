import { Option } from "commander";

/**
 * A duration flag whose value is milliseconds but whose help shows the default as it would be
 * typed (`60s`, `10m`), never as `60000`: the default is written once, as text, and parsed.
 */
export function durationOption(
  flags: string,
  description: string,
  parse: (value: string) => number,
  written: string,
): Option {
  return new Option(flags, description).argParser(parse).default(parse(written), written);
}
