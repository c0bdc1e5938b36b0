// Loads one bundle in this fresh process and reports how long the import took, and how long since
// the process's time origin (≈ process start) the handler module was ready.
const before = performance.now();
const module = await import(process.argv[2]);
const after = performance.now();
if (typeof module.handler !== "function") {
  process.stderr.write(`no handler export in ${process.argv[2]}\n`);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ importMs: after - before, sinceStartMs: after }));
// Nothing should keep the process alive after import; exit explicitly anyway so a stray timer
// in a bundle cannot stall the benchmark.
process.exit(0);
