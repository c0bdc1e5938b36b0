/**
 * Keeps only the last few KB of a child process' output. Used for error messages: when a server
 * or a build fails we want its last words, not an unbounded buffer of everything it ever logged.
 */
export class OutputTail {
  private text = "";

  constructor(private readonly maxChars = 8_000) {}

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.maxChars) {
      this.text = this.text.slice(this.text.length - this.maxChars);
    }
  }

  /** The last `lines` lines (trimmed), or "" when nothing was written. */
  lastLines(lines = 20): string {
    return this.text.trimEnd().split("\n").slice(-lines).join("\n");
  }
}
