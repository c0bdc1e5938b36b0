/**
 * Imported first by the benchmark's entry points: no per-request log lines from the service in
 * this process (the floor writes none, and the figures are about the service's work). It must run
 * before any of core is evaluated, since core's logger reads its level once, when it is made.
 */
process.env.POWERTOOLS_LOG_LEVEL = "WARN";
