// Preloaded with `node --import` by bench/plan-command.mjs and bench/history.mjs: reports the
// process's peak RSS (kilobytes) and CPU time (user + system, microseconds) on stderr as the last
// line, whatever the command's exit path. CPU time is what a busy machine distorts least.
// The peak is /proc/self/status VmHWM (this address space's high-water mark), not
// resourceUsage().maxRSS: on Linux getrusage keeps the maximum across fork + exec, so a child
// spawned by a bench holding 600 MB reported 600 MB whatever it used itself (see bench/README.md).
import { readFileSync } from "node:fs";

function peakRssKb() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]);
  } catch {
    // No procfs (not Linux): maxRSS is the only figure there is.
  }
  return process.resourceUsage().maxRSS;
}

process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\nBENCH_MAX_RSS_KB=${peakRssKb()} BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`,
  );
});
