import type { DesiredStateSource } from "../model/index.js";
import { hasHttpUserinfo } from "../model/index.js";
import { LazyKubernetesSource } from "../adapters/kubernetes/lazy-source.js";
import { FolderSource } from "../adapters/sources/folder.js";
import type { GitAccessOptions } from "../adapters/sources/git.js";
import { GitSource } from "../adapters/sources/git.js";
import { looksLikeGitSpec, parseGitSpec } from "../adapters/sources/git-spec.js";
import { gitAccessOptions } from "./git-options.js";

/**
 * `--source` forms (DESIGN "Sources"): a folder path; a Git URL or local repo path with
 * `#REF` and/or `//SUBDIR`; or `kubernetes`. `git` defaults to $ROSTER_GIT_TOKEN and the
 * `.roster/cache/git` cache (see addGitOptions for the flags).
 */
export function openSource(spec: string, git?: GitAccessOptions): DesiredStateSource {
  // `kubernetes` (all namespaces) or `kubernetes:NAMESPACE`: in-cluster, else $KUBECONFIG / ~/.kube/config.
  const kube = /^kubernetes(?::([a-z0-9]([-a-z0-9]*[a-z0-9])?))?$/.exec(spec);
  if (kube)
    return new LazyKubernetesSource(kube[1], process.env.KUBERNETES_SERVICE_HOST !== undefined);
  if (looksLikeGitSpec(spec)) {
    warnAboutUrlToken(spec);
    return new GitSource(parseGitSpec(spec), git ?? gitAccessOptions({}));
  }
  return new FolderSource([spec]);
}

/** A token in a URL ends up in shell history and process lists: say where it belongs. */
export function warnAboutUrlToken(spec: string): void {
  if (!hasHttpUserinfo(spec)) return;
  process.stderr.write(
    "roster: warning: the Git URL carries credentials; Roster never prints or stores them, " +
      "but put the token in ROSTER_GIT_TOKEN or --git-token-file instead (shell history and process lists show URLs)\n",
  );
}
