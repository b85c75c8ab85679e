import type { Command, Help, Option } from "commander";

/** One command of the tree as completion needs it. */
export interface CompletionNode {
  /** Words after `roster`, e.g. `["portal", "init"]`; `[]` is roster itself. */
  path: string[];
  description: string;
  subcommands: { name: string; description: string }[];
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

function toOption(option: Option): CompletionOption {
  const listed = /^([a-z]+(?:\|[a-z]+)+)\b/.exec(option.description)?.[1]?.split("|") ?? [];
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

/** Value-taking flags with their choices: `"-o"|"--output") words="table json"`. */
function valueCases(nodes: CompletionNode[], indent: string, assign: (w: string) => string) {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    for (const o of n.options) {
      if (!o.takesValue) continue;
      for (const flag of [o.short, o.long]) {
        if (flag !== undefined && !seen.has(flag)) seen.set(flag, o.choices.join(" "));
      }
    }
  }
  return [...seen].map(([flag, words]) => `${indent}${quote(flag)}) ${assign(words)} ;;`);
}

function bashScript(nodes: CompletionNode[]): string {
  const paths = nodes.map((n) => n.path.join(" "));
  const cases = nodes.map(
    (n) =>
      `    ${quote(n.path.join(" "))}) subs=${quote(n.subcommands.map((s) => s.name).join(" "))}; ` +
      `opts=${quote(flagsOf(n).join(" "))} ;;`,
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
  case "$prev" in
${valueCases(nodes, "    ", (w) => `values=${quote(w)}; [[ -z $values ]] && values="__files__"`).join("\n")}
  esac
  if [[ -n $values ]]; then
    if [[ $values == __files__ ]]; then COMPREPLY=( $(compgen -f -- "$cur") )
    else COMPREPLY=( $(compgen -W "$values" -- "$cur") ); fi
    return 0
  fi
  case "$path" in
${cases.join("\n")}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
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
  const cases = nodes.map(
    (n) =>
      `    ${quote(n.path.join(" "))})\n` +
      `      subs=(${n.subcommands.map((s) => describe(s.name, s.description)).join(" ")})\n` +
      `      opts=(${flagsOf(n).map(quote).join(" ")}) ;;`,
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
  case "\${words[CURRENT-1]}" in
${valueCases(nodes, "    ", (w) => `values=${quote(w || "__files__")}`).join("\n")}
  esac
  if [[ -n $values ]]; then
    if [[ $values == __files__ ]]; then _files; else compadd -- \${=values}; fi
    return
  fi
  case "$p" in
${cases.join("\n")}
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $opts
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
