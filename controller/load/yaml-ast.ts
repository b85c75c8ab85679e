import type { Document, Node } from "yaml";
import { createRequire } from "node:module";
import type * as YamlLib from "yaml";

// The precise path runs only for files with problems; loading the `yaml` package (72 modules)
// on first use keeps it off every CLI start-up. Synchronous, because load is synchronous.
let yamlLib: typeof YamlLib | undefined;
function yaml(): typeof YamlLib {
  return (yamlLib ??= createRequire(import.meta.url)("yaml") as typeof YamlLib);
}

export type Path = readonly (string | number)[];

/**
 * The precise parser: the `yaml` package with source ranges. The same YAML 1.2 core schema as
 * the fast path (js-yaml's CORE_SCHEMA): no timestamps, no `<<` merge keys, unique keys.
 */
const OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: false,
  uniqueKeys: true,
  prettyErrors: false,
  strict: true,
} as const;

export interface ParsedText {
  docs: Document.Parsed[];
  /** 1-based line and column of an offset into the parsed text, shifted by `lineOffset`. */
  position(offset: number): { line: number; col: number };
}

/** `lineOffset` is the number of lines before `text` when it is a slice of a larger file. */
export function parseYaml(text: string, lineOffset = 0): ParsedText {
  const counter = new (yaml().LineCounter)();
  const docs = yaml().parseAllDocuments(text, { ...OPTIONS, lineCounter: counter });
  return {
    docs: Array.from(docs),
    position(offset) {
      const { line, col } = counter.linePos(offset);
      return { line: line + lineOffset, col };
    },
  };
}

/** Where the document's content starts (its first key), or the document itself when empty. */
export function documentStart(doc: Document.Parsed): number {
  return doc.contents?.range[0] ?? doc.range[0];
}

/**
 * The offset of the node at `path`, for an issue to point at. A wrong key points at the key;
 * a block collection points at its key (`spec:`) rather than at its first entry; a path that
 * leads nowhere (a missing field) points at the deepest node that exists.
 */
export function locate(doc: Document.Parsed, path: Path, key = false): number {
  let node: Node | null = doc.contents;
  let keyNode: Node | null = null;
  let offset = documentStart(doc);
  for (const segment of path) {
    let next: Node | null | undefined;
    let nextKey: Node | null = null;
    if (yaml().isMap(node)) {
      const pair = node.items.find(
        (p) => yaml().isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      nextKey = pair.key as Node;
      next = pair.value as Node | null;
    } else if (yaml().isSeq(node) && typeof segment === "number") {
      next = node.items[segment] as Node | undefined;
    } else {
      break;
    }
    keyNode = nextKey;
    node = next ?? null;
    offset = node?.range?.[0] ?? keyNode?.range?.[0] ?? offset;
    if (!node) break;
  }
  if (key && keyNode?.range) return keyNode.range[0];
  const blockCollection = (yaml().isMap(node) || yaml().isSeq(node)) && !node.flow;
  if (blockCollection && keyNode?.range) return keyNode.range[0];
  return offset;
}

/** The first alias node of a document, for an alias error to point at. */
export function firstAlias(doc: Document.Parsed): number {
  let at = documentStart(doc);
  yaml().visit(doc, {
    Alias(_, node) {
      if (yaml().isAlias(node) && node.range) at = node.range[0];
      return yaml().visit.BREAK;
    },
  });
  return at;
}
