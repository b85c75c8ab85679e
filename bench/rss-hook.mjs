// Preloaded with `node --import` by bench/plan-command.mjs: reports the process's peak RSS
// (kilobytes) and CPU time (user + system, microseconds) on stderr as the last line, whatever
// the command's exit path. CPU time is what a busy machine distorts least.
process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\nBENCH_MAX_RSS_KB=${usage.maxRSS} BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`,
  );
});
