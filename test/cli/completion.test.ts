import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../controller/cli/completion.js";
import { buildProgram } from "../../controller/cli/program.js";
import { allCommands } from "../../controller/cli/run-cli.js";
import { cliPath } from "./cli-helpers.js";

/** Completes `line` (the word under the cursor last) in a real bash with roster's script loaded. */
function complete(line: string[]): string[] {
  const words = line.map((w) => `'${w}'`).join(" ");
  const script = [
    `source <("${process.execPath}" "${cliPath}" completion bash) || exit 9`,
    `COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}`,
    "_roster",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

const name = (path: string[]) => path.join(" ");

describe("roster completion", { timeout: 60_000 }, () => {
  it("bash: the script loads and registers a completion function for roster", () => {
    const r = spawnSync(
      "bash",
      ["-c", `source <("${process.execPath}" "${cliPath}" completion bash); complete -p roster`],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("complete -o filenames -F _roster roster");
  });

  it("bash: completes commands, subcommands, flags and their values", () => {
    expect(complete(["roster", "pl"])).toEqual(["plan"]);
    expect(complete(["roster", "portal", "i"])).toEqual(["init", "invitations"]);
    expect(complete(["roster", "journal", ""])).toEqual(["verify"]);
    expect(complete(["roster", "plan", "--sou"])).toEqual(["--source"]);
    expect(complete(["roster", "plan", "--source", "examples/acme", "--back"])).toEqual([
      "--backend",
    ]);
    expect(complete(["roster", "plan", "-o", ""])).toEqual(["table", "json"]);
    expect(complete(["roster", "history", "--output", ""])).toEqual(["table", "json", "csv"]);
    expect(complete(["roster", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    // A flag's value is a file when the flag lists no values.
    expect(complete(["roster", "plan", "--source", "exam"])).toEqual(["examples"]);
  });

  it("every command of the program is in every script, so commands added later are covered", () => {
    const program = buildProgram();
    program.command("later").description("a command another module adds").option("--flag-of-later");
    const paths = allCommands(program)
      // Hidden aliases (kube-run) are not offered.
      .filter((c) => c.name() !== "roster" && !(c as unknown as { _hidden: boolean })._hidden)
      .map((c) => {
        const names: string[] = [];
        for (let at: typeof c | null = c; at && at.parent; at = at.parent) names.unshift(at.name());
        return names;
      });
    expect(paths.map(name)).toContain("later");
    for (const shell of ["bash", "zsh", "fish"] as const) {
      const script = completionScript(shell, program);
      for (const path of paths)
        expect(script, `${shell}: ${name(path)}`).toContain(`'${name(path)}'`);
      expect(script).toContain("flag-of-later");
    }
  });

  it("zsh and fish scripts are what those shells expect (no zsh or fish on this machine to run them)", () => {
    const program = buildProgram();
    const zsh = completionScript("zsh", program);
    expect(zsh.startsWith("#compdef roster\n")).toBe(true);
    expect(zsh).toContain("compdef _roster roster");
    expect(zsh).toContain("'plan:Show what apply would change, nothing applied'");
    const fish = completionScript("fish", program);
    expect(fish).toContain("complete -c roster -n '__roster_path '\\'''\\''' -a 'plan'");
    expect(fish).toContain(
      "complete -c roster -n '__roster_path '\\''plan'\\''' -s o -l output -x -a 'table json'",
    );
    // Both are at least valid as far as bash's parser, which shares their quoting rules, can tell.
    for (const script of [zsh]) {
      expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
    }
  });
});
