import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { DesiredStateSource, SourceFile, SourceSnapshot } from "../../model/index.js";
import { MAX_SOURCE_FILE_BYTES } from "../../model/index.js";

const YAML_FILE = /\.ya?ml$/i;

/**
 * Reads every `.yaml`/`.yml` file under the given roots (folders recursively, or single files).
 * Paths in the snapshot are shown relative to the current directory, as the user typed them.
 */
export class FolderSource implements DesiredStateSource {
  readonly describe: string;
  private readonly roots: string[];

  constructor(roots: string[]) {
    this.roots = roots;
    this.describe = roots.join(", ");
  }

  async read(): Promise<SourceSnapshot> {
    const found = new Set<string>();
    for (const root of this.roots) {
      for (const file of await listYamlFiles(root)) found.add(file);
    }
    const files: SourceFile[] = [];
    const oversized: SourceSnapshot["oversized"] = [];
    for (const file of [...found].sort()) {
      const { size } = await stat(file);
      // Refused before reading: a 2 GB file must not be pulled into memory to be rejected.
      if (size > MAX_SOURCE_FILE_BYTES) oversized.push({ path: file, bytes: size });
      else files.push({ path: file, text: await readFile(file, "utf8") });
    }
    return { revision: contentRevision(files), files, oversized };
  }
}

async function listYamlFiles(root: string): Promise<string[]> {
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `cannot read source ${root}: ${error.code === "ENOENT" ? "no such file or folder" : error.message}`,
    );
  });
  if (info.isFile()) return [root];
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && YAML_FILE.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((p) => !p.split(path.sep).some((part) => part === "node_modules" || part === ".git"));
}

/** A folder has no commit: its revision is a hash of what it holds, stable across runs. */
export function contentRevision(files: readonly SourceFile[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(f.path).update("\0").update(f.text).update("\0");
  return `sha256:${hash.digest("hex").slice(0, 16)}`;
}
