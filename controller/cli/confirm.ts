import { createInterface } from "node:readline/promises";

/** Asks on the terminal (prompt on stderr, so stdout stays the plan); only "yes" or "y" agrees. */
export async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
