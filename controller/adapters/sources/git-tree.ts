import type { SourceFile, SourceSnapshot } from "../../model/index.js";
import { MAX_SOURCE_FILE_BYTES } from "../../model/index.js";
import { CatFileBatch } from "./git-cat-file.js";
import type { GitCli, GitRunOptions } from "./git-cli.js";

const YAML_FILE = /\.ya?ml$/i;

export function isYamlPath(file: string): boolean {
  return YAML_FILE.test(file);
}

/**
 * The YAML files of one commit under `subdir`, read from the object store without a checkout:
 * `ls-tree` lists them with their sizes (so an oversized file is refused before it is read),
 * then one `cat-file --batch` reads them all.
 */
export async function readTree(
  git: GitCli,
  where: GitRunOptions,
  sha: string,
  subdir: string | undefined,
  describe: string,
): Promise<Omit<SourceSnapshot, "revision">> {
  if (subdir) {
    const type = await git
      .text(["cat-file", "-t", `${sha}:${subdir}`], where)
      .then((t) => t.trim())
      .catch(() => "missing");
    if (type !== "tree") {
      throw new Error(`${describe}: folder "${subdir}" does not exist at commit ${sha}`);
    }
  }
  const listing = await git.text(
    ["ls-tree", "-r", "-z", "--long", sha, ...(subdir ? ["--", subdir] : [])],
    where,
  );
  const blobs: { path: string; object: string; bytes: number }[] = [];
  for (const line of listing.split("\0")) {
    // "<mode> <type> <object> <padded size>\t<path>"; symlinks and submodules are not resources.
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(line);
    if (!match || match[2] !== "blob" || match[1] === "120000") continue;
    const file = match[5] ?? "";
    if (isYamlPath(file))
      blobs.push({ path: file, object: match[3] ?? "", bytes: Number(match[4]) });
  }
  blobs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const files: SourceFile[] = [];
  const oversized: SourceSnapshot["oversized"] = [];
  const batch = new CatFileBatch(git, where);
  try {
    const reads = blobs.map(async (blob) => {
      if (blob.bytes > MAX_SOURCE_FILE_BYTES) {
        oversized.push({ path: blob.path, bytes: blob.bytes });
        return;
      }
      const result = await batch.read(blob.object, MAX_SOURCE_FILE_BYTES);
      if (result.kind !== "blob")
        throw new Error(`${describe}: cannot read ${blob.path} at ${sha}`);
      files.push({ path: blob.path, text: result.text });
    });
    await Promise.all(reads);
  } finally {
    await batch.close();
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, oversized };
}
