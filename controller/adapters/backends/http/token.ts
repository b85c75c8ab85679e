import { readFile } from "node:fs/promises";
import { BackendError } from "../../../model/index.js";

export interface TokenSource {
  /** `--token-file FILE`: the key alone, surrounding whitespace ignored. */
  tokenFile?: string;
  /** The environment to read `ROSTER_TOKEN` from (the composition root passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The Portal API key comes from a file or from `ROSTER_TOKEN`, never from the command line,
 * where it would show in `ps` and shell history. Errors name the file, never its contents.
 */
export async function resolveToken(source: TokenSource): Promise<string> {
  if (source.tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(source.tokenFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new BackendError("invalid", `cannot read the token file ${source.tokenFile} (${code})`);
    }
    return checked(text.trim(), `the token file ${source.tokenFile}`);
  }
  const fromEnv = source.env?.ROSTER_TOKEN;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return checked(fromEnv.trim(), "ROSTER_TOKEN");
  }
  throw new BackendError(
    "invalid",
    "an http(s) backend needs an API key: pass --token-file FILE or set ROSTER_TOKEN " +
      "(create one with `roster portal create-key --org ORG --email EMAIL`)",
  );
}

function checked(token: string, where: string): string {
  if (token === "") throw new BackendError("invalid", `${where} is empty`);
  // A header value cannot carry line breaks or non-visible characters; say so without echoing it.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new BackendError("invalid", `${where} does not hold a single printable API key`);
  }
  return token;
}
