import { printable } from "./output.js";

/**
 * Untrusted text as one Markdown table cell (GitHub-flavoured): control characters shown
 * escaped, and every character Markdown or HTML would act on backslash-escaped — so a commit
 * author's name or an email's local part can neither split the row (`|`), load an image from
 * elsewhere (`![](…)`), link, mention (`@team`; the `@` of an email stays) nor open a tag.
 */
export function markdownCell(text: string): string {
  return printable(text)
    .replace(/[\\`*_{}[\]<>()#+!|~&]/g, (c) => `\\${c}`)
    .replace(/(?<![\w.+-])@/g, "\\@");
}
