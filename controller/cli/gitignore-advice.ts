import { spawnSync } from "node:child_process";
import path from "node:path";
import { gitRoot } from "./config-file.js";

/**
 * Before Roster creates its store (or another local file) inside a Git work tree, says so if
 * Git would not ignore it: a Portal store holds hashed invitation tokens and API keys and must
 * not be committed. Silent outside a work tree, when the path is ignored, or without git.
 */
export function adviseGitignore(
  file: string,
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  const absolute = path.resolve(file);
  const root = gitRoot(path.dirname(absolute));
  if (root === undefined) return;
  const checked = spawnSync("git", ["check-ignore", "-q", "--", absolute], {
    cwd: root,
    stdio: "ignore",
  });
  // 0: ignored; 1: not ignored; anything else (no git, not a repository): nothing to say.
  if (checked.status !== 1) return;
  const folder = path.relative(root, path.dirname(absolute));
  const pattern = folder === "" ? path.basename(absolute) : `${folder.split(path.sep)[0]}/`;
  write(
    `roster: note: ${file} is inside the Git work tree ${root} and not ignored: ` +
      `add "${pattern}" to ${path.join(root, ".gitignore")} so the store is never committed\n`,
  );
}
