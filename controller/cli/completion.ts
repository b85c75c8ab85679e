import type { Command, Help, Option } from "commander";

/** One command of the tree as completion needs it. */
export interface CompletionNode {
  /** Words after `roster`, e.g. `["portal", "init"]`; `[]` is roster itself. */
  path: string[];
  description: string;
  subcommands: { name: string; description: string }[];
  /** Values of the first argument when its description lists them (`bash|zsh|fish`). */
  argumentChoices: string[];
  options: CompletionOption[];
}

export interface CompletionOption {
  short?: string;
  long?: string;
  description: string;
  takesValue: boolean;
  /** Values to offer: commander's choices, or a `table|json` description's leading list. */
  choices: string[];
}

/** The visible commands of `program`, walked the way its help shows them. */
export function completionTree(program: Command): CompletionNode[] {
  const help = program.createHelp();
  const nodes: CompletionNode[] = [];
  const walk = (command: Command, path: string[]) => {
    const subs = help.visibleCommands(command).filter((c) => c.name() !== "help");
    nodes.push({
      path,
      description: command.description().split("\n")[0] ?? "",
      subcommands: subs.map((c) => ({ name: c.name(), description: summary(c) })),
      argumentChoices: listedValues(command.registeredArguments[0]?.description ?? ""),
      options: visibleOptions(help, command).map(toOption),
    });
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return nodes;
}

function visibleOptions(help: Help, command: Command): Option[] {
  return [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)];
}

function summary(command: Command): string {
  return (command.summary() || command.description()).split(/[.\n(]/)[0]?.trim() ?? "";
}

/** `table|json (…)` → `["table", "json"]`: the help's convention for a closed set of values. */
function listedValues(description: string): string[] {
  return /^([a-z]+(?:\|[a-z]+)+)\b/.exec(description)?.[1]?.split("|") ?? [];
}

function toOption(option: Option): CompletionOption {
  const listed = listedValues(option.description);
  return {
    ...(option.short ? { short: option.short } : {}),
    ...(option.long ? { long: option.long } : {}),
    description: option.description.split(/[.\n(]/)[0]?.trim() ?? "",
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? listed,
  };
}

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, program: Command): string {
  const nodes = completionTree(program);
  switch (shell) {
    case "bash":
      return bashScript(nodes);
    case "zsh":
      return zshScript(nodes);
    case "fish":
      return fishScript(nodes);
  }
}

const flagsOf = (n: CompletionNode) =>
  n.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));

/** `'it'\''s'`: a single-quoted shell word. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `'-o'|'--output') values='table json' ;;` for each value-taking flag of one command. */
function valueCases(node: CompletionNode, indent: string): string[] {
  return node.options
    .filter((o) => o.takesValue)
    .map((o) => {
      const flags = [o.short, o.long].filter((f): f is string => f !== undefined).map(quote);
      const values = o.choices.length > 0 ? o.choices.join(" ") : "__files__";
      return `${indent}${flags.join("|")}) values=${quote(values)} ;;`;
    });
}

/** Subcommands, else the first argument's listed values. */
const wordsOf = (n: CompletionNode) =>
  n.subcommands.length > 0 ? n.subcommands.map((s) => s.name) : n.argumentChoices;

function bashScript(nodes: CompletionNode[]): string {
  const paths = nodes.map((n) => n.path.join(" "));
  const cases = nodes.map((n) =>
    [
      `    ${quote(n.path.join(" "))})`,
      `      subs=${quote(wordsOf(n).join(" "))}; opts=${quote(flagsOf(n).join(" "))}`,
      '      case "$prev" in',
      ...valueCases(n, "        "),
      "      esac ;;",
    ].join("\n"),
  );
  return `# bash completion for roster: source <(roster completion bash)
# Generated from roster's commands; regenerate after an upgrade.
_roster_paths=${quote(`|${paths.join("|")}|`)}
_roster() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" word i subs="" opts="" values=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    [[ $word == -* ]] && continue
    if [[ $_roster_paths == *"|\${path:+$path }$word|"* ]]; then path="\${path:+$path }$word"; fi
  done
  case "$path" in
${cases.join("\n")}
  esac
  if [[ $values == __files__ ]]; then COMPREPLY=( $(compgen -f -- "$cur") )
  elif [[ -n $values ]]; then COMPREPLY=( $(compgen -W "$values" -- "$cur") )
  elif [[ $cur == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ -n $subs ]]; then COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else COMPREPLY=( $(compgen -f -- "$cur") ); fi
  return 0
}
complete -o filenames -F _roster roster
`;
}

function zshScript(nodes: CompletionNode[]): string {
  const paths = nodes.map((n) => n.path.join(" "));
  const describe = (name: string, text: string) => quote(`${name.replace(/:/g, "\\:")}:${text}`);
  const cases = nodes.map((n) =>
    [
      `    ${quote(n.path.join(" "))})`,
      `      subs=(${
        n.subcommands.length > 0
          ? n.subcommands.map((s) => describe(s.name, s.description)).join(" ")
          : n.argumentChoices.map((c) => describe(c, c)).join(" ")
      })`,
      `      opts=(${flagsOf(n).map(quote).join(" ")})`,
      '      case "${words[CURRENT-1]}" in',
      ...valueCases(n, "        "),
      "      esac ;;",
    ].join("\n"),
  );
  return `#compdef roster
# zsh completion for roster: source <(roster completion zsh)
# Generated from roster's commands; regenerate after an upgrade.
_roster_paths=${quote(`|${paths.join("|")}|`)}
_roster() {
  local p="" w i values=""
  local -a subs opts
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    [[ $_roster_paths == *"|\${p:+$p }$w|"* ]] && p="\${p:+$p }$w"
  done
  case "$p" in
${cases.join("\n")}
  esac
  if [[ $values == __files__ ]]; then _files
  elif [[ -n $values ]]; then compadd -- \${=values}
  elif [[ $PREFIX == -* ]]; then compadd -- $opts
  elif (( $#subs )); then _describe 'command' subs
  else _files; fi
}
compdef _roster roster
`;
}

function fishScript(nodes: CompletionNode[]): string {
  const lines = [
    "# fish completion for roster: roster completion fish | source",
    "# Generated from roster's commands; regenerate after an upgrade.",
    `set -g __roster_paths ${nodes.map((n) => quote(n.path.join(" "))).join(" ")}`,
    "function __roster_path",
    "    set -l path",
    "    for t in (commandline -opc)[2..-1]",
    "        string match -q -- '-*' $t; and continue",
    "        if contains -- (string join ' ' $path $t) $__roster_paths",
    "            set path $path $t",
    "        end",
    "    end",
    '    test (string join " " $path) = "$argv[1]"',
    "end",
    "complete -c roster -f",
  ];
  for (const n of nodes) {
    const when = `-n ${quote(`__roster_path ${quote(n.path.join(" "))}`)}`;
    for (const s of n.subcommands) {
      lines.push(`complete -c roster ${when} -a ${quote(s.name)} -d ${quote(s.description)}`);
    }
    if (n.argumentChoices.length > 0) {
      lines.push(`complete -c roster ${when} -a ${quote(n.argumentChoices.join(" "))}`);
    }
    for (const o of n.options) {
      const names = [
        o.short ? `-s ${o.short.slice(1)}` : "",
        o.long ? `-l ${o.long.slice(2)}` : "",
      ].filter(Boolean);
      const value = o.takesValue
        ? o.choices.length > 0
          ? ` -x -a ${quote(o.choices.join(" "))}`
          : " -r -F"
        : "";
      lines.push(
        `complete -c roster ${when} ${names.join(" ")}${value} -d ${quote(o.description)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
