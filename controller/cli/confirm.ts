import { createInterface } from "node:readline/promises";

/**
 * Asks on the terminal (prompt on stderr, so stdout stays the plan). Only "yes" agrees, as the
 * prompt says: a stray `y` must not change who has access (Terraform asks the same way).
 */
export async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^yes$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
