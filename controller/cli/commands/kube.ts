import type { Command } from "commander";
import { UsageError } from "../errors.js";

interface ReleaseFlags {
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  leaseName: string;
  leaseNamespace: string;
  dryRun?: boolean;
  force?: boolean;
}

/**
 * `roster kube release-finalizers`: the one command that lets a cluster forget Roster after the
 * controller is gone for good (docs/kubernetes.md "Uninstall"). Exit 0 released (or nothing to
 * release), 1 refused because the controller still holds its Lease, or an error.
 */
export function registerKube(program: Command): void {
  const kube = program
    .command("kube")
    .description("Kubernetes mode maintenance (see docs/kubernetes.md)")
    .addHelpText("after", "\nExamples:\n  $ roster kube release-finalizers --dry-run\n");
  kube
    .command("release-finalizers")
    .description(
      "remove Roster's finalizers from every Organization and Member, so they (and " +
        "the CRDs) can be deleted when the controller is gone for good. Revokes " +
        "nothing in the backend.",
    )
    .option("--namespace <ns>", "only this namespace")
    .option("--all-namespaces", "every namespace (the default)")
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--lease-name <name>", "the controller's Lease", "roster-controller")
    .option("--lease-namespace <ns>", "the controller's Lease namespace", "roster-system")
    .option("--dry-run", "list what would be released, change nothing")
    .option("--force", "release even though the controller's Lease is held and fresh")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ roster kube release-finalizers --dry-run\n" +
        "  $ roster kube release-finalizers --namespace team-acme\n",
    )
    .action(async (flags: ReleaseFlags) => {
      if (flags.namespace !== undefined && flags.allNamespaces) {
        throw new UsageError("use either --namespace NS or --all-namespaces, not both");
      }
      const [{ connectKube }, { releaseFinalizers }] = await Promise.all([
        import("../../adapters/kubernetes/client.js"),
        import("../../adapters/kubernetes/release-finalizers.js"),
      ]);
      let clients;
      try {
        clients = connectKube({ kubeconfig: flags.kubeconfig });
      } catch (error) {
        throw new UsageError(`cannot load the cluster configuration: ${(error as Error).message}`);
      }
      const result = await releaseFinalizers(clients, {
        namespace: flags.namespace,
        lease: { name: flags.leaseName, namespace: flags.leaseNamespace },
        dryRun: Boolean(flags.dryRun),
        force: Boolean(flags.force),
      });
      if (result.kind === "controller-running") {
        throw new UsageError(
          `the controller ${result.holder} holds Lease ${flags.leaseNamespace}/${flags.leaseName} ` +
            `(renewed ${result.renewedAt}): it releases its finalizers itself once it has revoked ` +
            `access. Delete the controller first, or pass --force if it is gone for good.`,
        );
      }
      const verb = flags.dryRun ? "would release" : "released";
      for (const ref of result.refs) process.stdout.write(`${verb} ${ref}\n`);
      process.stdout.write(`${result.refs.length} finalizer(s) ${verb}\n`);
    });
}
