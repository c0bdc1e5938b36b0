/**
 * What a stand-in for API Gateway and Lambda needs to invoke the handlers as deployed: the local
 * server, the benchmarks and the tests that call a handler directly.
 */
export { buildHttpApiEvent, type HttpRequestDescription } from "./http/api-gateway-event";
export { lambdaContext } from "./http/lambda-context";
export type { HttpEvent, HttpResult } from "./http/endpoint";
// For a failure outside any handler (the stand-in's own), answered and logged as a function's would be.
export { PROBLEM_CONTENT_TYPE, toProblemResponse } from "./http/problem";
export { logUnexpectedError } from "./http/logging";
