import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../controller/cli/program.js";
import { allCommands } from "../../controller/cli/run-cli.js";

/** The full help of one command as `roster … --help` prints it on an 80-column terminal. */
function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 80 });
  command.outputHelp();
  return text;
}

const name = (c: Command): string => {
  const names: string[] = [];
  for (let at: Command | null = c; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
};

// Walks the program itself, so commands other modules add are held to the same standard.
const commands = allCommands(buildProgram()).filter(
  (c) => !(c as unknown as { _hidden: boolean })._hidden,
);

describe("every command's --help", () => {
  it("covers the whole tree", () => {
    const names = commands.map(name);
    for (const expected of [
      "roster",
      "roster plan",
      "roster portal init",
      "roster journal verify",
      "roster github serve",
      "roster init",
      "roster config",
      "roster completion",
    ]) {
      expect(names).toContain(expected);
    }
  });

  it.each(commands.map((c) => [name(c), c] as const))("%s", (_, command) => {
    const text = helpOf(command);
    expect(text, "an Example section").toMatch(/\nExamples?:\n {2}\$ /);
    const long = text.split("\n").filter((line) => line.length > 80);
    expect(long, "lines a terminal of 80 columns would break").toEqual([]);
    // A hand-made line break inside a description becomes a ragged wrap: paragraphs only.
    expect(command.description(), "a description with a single line break").not.toMatch(
      /[^\n]\n[^\n]/,
    );
    expect(text, "a default printed as JSON").not.toMatch(/\(default:\s+\{/);
    expect(text, "a duration default in milliseconds").not.toMatch(/\(default:\s+\d{4,}\)/);
    for (const option of command.options) {
      if (option.long === "--output") {
        expect(option.description, "-o lists its formats as a|b").toMatch(/^table\|json\b/);
      }
    }
  });
});

describe("help shows values as they are written", () => {
  it("roster run: --interval 60s, --listen 127.0.0.1:9090", () => {
    const run = allCommands(buildProgram()).find((c) => name(c) === "roster run");
    const text = helpOf(run!);
    expect(text).toMatch(/--interval <duration>[\s\S]*?\(default:\s+60s\)/);
    expect(text).toMatch(/--listen <host:port>[\s\S]*?\(default:\s+127\.0\.0\.1:9090\)/);
  });
});

describe("roster run --help", () => {
  it("does not mark the options --leader-elect uses on a folder or Git source as kubernetes-only", () => {
    const run = commands.find((c) => name(c) === "roster run")!;
    const used = ["--lease-", "--renew-deadline", "--retry-period", "--kubeconfig", "--identity"];
    const leaseOptions = run.options.filter((o) => used.some((u) => o.long?.startsWith(u)));
    expect(leaseOptions.length).toBeGreaterThanOrEqual(7);
    for (const option of leaseOptions) expect(option.description).not.toMatch(/^kubernetes:/);
    const concurrency = run.options.find((o) => o.long === "--max-concurrent-orgs");
    expect(concurrency?.description).not.toMatch(/^kubernetes:/);
  });
});
