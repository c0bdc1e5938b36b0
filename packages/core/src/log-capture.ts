/** What a test sees of the service's logs: the JSON lines, parsed on demand. */
export interface LogCapture {
  /** Every JSON line written since the capture started (or was cleared), in order. */
  readonly lines: string[];
  records(): Record<string, unknown>[];
  clear(): void;
  /** Give stdout and stderr back their own `write`. */
  stop(): void;
}

/**
 * For tests: collect the JSON lines the logger writes (to stdout, and to stderr for errors, as
 * Lambda sends both to CloudWatch) while letting any other output through.
 */
export function captureLogLines(): LogCapture {
  const lines: string[] = [];
  const restores = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = chunk.toString();
      if (!text.startsWith("{")) return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      lines.push(...text.split("\n").filter(Boolean));
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  });
  return {
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      lines.length = 0;
    },
    stop: () => {
      for (const restore of restores) restore();
    },
  };
}
