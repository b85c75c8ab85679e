import type { Command } from "commander";
import { registerValidate } from "./validate.js";
import { registerPermissions } from "./permissions.js";
import { registerCrds } from "./crds.js";
import { registerPlan } from "./plan.js";
import { registerApply } from "./apply.js";
import { registerExport } from "./export.js";
import { registerKubeRun } from "./run-kubernetes.js";
import { registerPortal } from "./portal.js";
import { registerServe } from "./serve.js";
import { registerHistory } from "./history.js";
import { registerAccess } from "./access.js";
import { registerJournal } from "./journal.js";
import { registerRun } from "./run.js";
import { registerCheck } from "./check.js";
import { registerGithub } from "./github.js";
import { registerInit } from "./init.js";
import { registerConfig } from "./config.js";
import { registerCompletion } from "./completion.js";
import { registerKube } from "./kube.js";
import { registerReview } from "./review.js";
import { registerReport } from "./report.js";

/** Every command module registers itself here; one line per command keeps merges trivial. */
export function registerCommands(program: Command): void {
  void program;
  registerValidate(program);
  registerPermissions(program);
  registerCrds(program);
  registerPlan(program);
  registerApply(program);
  registerExport(program);
  registerKubeRun(program);
  registerPortal(program);
  registerServe(program);
  registerHistory(program);
  registerAccess(program);
  registerJournal(program);
  registerRun(program);
  registerCheck(program);
  registerGithub(program);
  registerInit(program);
  registerConfig(program);
  registerKube(program);
  registerReview(program);
  registerReport(program);
  // Last: the completion script describes every command registered above.
  registerCompletion(program);
}
