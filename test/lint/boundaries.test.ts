import { ESLint } from "eslint";
import path from "node:path";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
// The boundary rules are plain no-restricted-imports; type information is not needed to see
// them, and a probe file that exists only in memory cannot join the TypeScript project.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

async function lint(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

describe("import boundaries (eslint.config.js)", { timeout: 120_000 }, () => {
  it.each([
    [
      "plan importing an adapter",
      "controller/plan/probe.ts",
      'import { FolderSource } from "../adapters/sources/folder.js";\nexport const x = FolderSource;\n',
      /wrong-way import/,
    ],
    [
      "model importing plan",
      "controller/model/probe.ts",
      'import type { Plan } from "../plan/types.js";\nexport type X = Plan;\n',
      /model imports nothing of ours/,
    ],
    [
      "load doing I/O",
      "controller/load/probe.ts",
      'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
      /this layer is pure/,
    ],
    [
      "schema importing load",
      "controller/schema/probe.ts",
      'import { loadDesiredState } from "../load/index.js";\nexport const x = loadDesiredState;\n',
      /wrong-way import/,
    ],
    [
      "an adapter importing cli",
      "controller/adapters/sources/probe.ts",
      'import { roster } from "../../cli/program.js";\nexport const x = roster;\n',
      /wrong-way import/,
    ],
    [
      "an adapter importing reconcile",
      "controller/adapters/kubernetes/probe.ts",
      'import { reconcile } from "../../reconcile/index.js";\nexport const x = reconcile;\n',
      /wrong-way import/,
    ],
    [
      "an adapter importing apply",
      "controller/adapters/kubernetes/probe.ts",
      'import { applyPlan } from "../../apply/index.js";\nexport const x = applyPlan;\n',
      /wrong-way import/,
    ],
  ])("fails lint: %s", async (_name, file, code, message) => {
    const messages = await lint(file, code);
    expect(messages).toEqual([
      { rule: "no-restricted-imports", line: 1, message: expect.stringMatching(message) },
    ]);
  });

  it.each([
    [
      "load importing schema and model",
      "controller/load/probe.ts",
      'import { validate } from "../schema/index.js";\nimport { ROLES } from "../model/index.js";\nexport const x = [validate, ROLES];\n',
    ],
    [
      "cli importing load",
      "controller/cli/probe.ts",
      'import { loadDesiredState } from "../load/index.js";\nexport const x = loadDesiredState;\n',
    ],
  ])("allows %s", async (_name, file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
