// Reading secrets and lines from the terminal (user passwords, interactive txn/watch input).
import readline from "node:readline";

/** Prompts on stderr and reads a line from stdin without echoing it when stdin is a TTY. */
export function promptPassword(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stderr,
      terminal: process.stdin.isTTY === true,
    });
    process.stderr.write(prompt);
    const out = rl as unknown as { _writeToOutput?: (s: string) => void };
    if (process.stdin.isTTY) out._writeToOutput = () => undefined;
    rl.once("line", (line) => {
      rl.close();
      if (process.stdin.isTTY) process.stderr.write("\n");
      resolve(line);
    });
    rl.once("close", () => resolve(""));
  });
}

/** All of stdin as bytes. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
