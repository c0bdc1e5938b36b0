import type { Filter } from "mongodb";
import { ValidationError, type FieldIssue } from "../errors";
import { FORBIDDEN_FIELD_NAME, isPlainObject, valueIssues } from "./rules";

/**
 * The filter language of `GET /org/data/documents?filter=`: a safe subset of MongoDB's, checked
 * and rebuilt here key by key, so that what reaches the server is only ever what this allows —
 * field equality, the comparison operators, `$in`/`$nin`, `$exists`, `$not` over those, and
 * `$and`/`$or` — with at most {@link MAX_CONDITIONS} conditions. Anything else (`$where`,
 * `$function`, `$expr`, `$regex`, `$text`, `$jsonSchema`, …) is refused, by name, before the
 * database sees it.
 */
export const MAX_CONDITIONS = 20;
/** Values an `$in` or `$nin` may list. */
export const MAX_IN_VALUES = 100;

const COMPARISONS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]);
const LISTS = new Set(["$in", "$nin"]);
const LOGICAL = new Set(["$and", "$or"]);

export const FILTER_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$not",
  "$and",
  "$or",
];

class FilterChecker {
  conditions = 0;

  constructor(private readonly issues: FieldIssue[]) {}

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  count(path: string): boolean {
    this.conditions += 1;
    if (this.conditions === MAX_CONDITIONS + 1)
      this.fail(path, `a filter may have at most ${MAX_CONDITIONS} conditions`);
    return this.conditions <= MAX_CONDITIONS;
  }

  /** A literal to compare with: plain JSON, no operator-shaped field names inside. */
  literal(value: unknown, path: string): unknown {
    const problems = valueIssues(value, path, 1);
    if (problems.length > 0) {
      for (const problem of problems) this.fail(problem.path, problem.message);
      return undefined;
    }
    return value;
  }

  filter(input: unknown, path: string): Record<string, unknown> | undefined {
    if (!isPlainObject(input)) return this.fail(path, "must be a JSON object");
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const at = path ? `${path}.${key}` : key;
      if (LOGICAL.has(key)) {
        if (!Array.isArray(value) || value.length === 0) {
          this.fail(at, `${key} takes a non-empty array of filters`);
          continue;
        }
        out[key] = value.map((item, index) => this.filter(item, `${at}.${index}`));
      } else if (key.startsWith("$")) {
        this.fail(at, `the operator ${key} is not supported here (top level: field names, $and, $or)`);
      } else {
        const problem = fieldPathProblem(key);
        if (problem) {
          this.fail(at, problem);
          continue;
        }
        out[key] = this.condition(value, at);
      }
    }
    return out;
  }

  /** What one field must satisfy: a literal (equality) or an object of operators. */
  condition(value: unknown, path: string): unknown {
    if (!isPlainObject(value) || !Object.keys(value).some((key) => key.startsWith("$"))) {
      this.count(path);
      return this.literal(value, path);
    }
    return this.operators(value, path);
  }

  operators(value: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const [operator, operand] of Object.entries(value)) {
      const at = `${path}.${operator}`;
      if (!operator.startsWith("$")) {
        this.fail(at, "an operator object may hold operators only; compare with a whole object through $eq");
      } else if (COMPARISONS.has(operator)) {
        this.count(at);
        out[operator] = this.literal(operand, at);
      } else if (LISTS.has(operator)) {
        this.count(at);
        if (!Array.isArray(operand)) this.fail(at, `${operator} takes an array`);
        else if (operand.length > MAX_IN_VALUES) this.fail(at, `${operator} takes at most ${MAX_IN_VALUES} values`);
        else out[operator] = operand.map((item, index) => this.literal(item, `${at}.${index}`));
      } else if (operator === "$exists") {
        this.count(at);
        if (typeof operand !== "boolean") this.fail(at, "$exists takes true or false");
        else out[operator] = operand;
      } else if (operator === "$not") {
        if (!isPlainObject(operand) || !Object.keys(operand).some((key) => key.startsWith("$"))) {
          this.fail(at, "$not takes an object of operators");
        } else out[operator] = this.operators(operand, at);
      } else {
        this.fail(at, `the operator ${operator} is not supported (allowed: ${FILTER_OPERATORS.join(" ")})`);
      }
    }
    return out;
  }
}

/**
 * Why a dotted field path is refused, or undefined: segments that are empty, start with `$`, hold
 * NUL, or are `__proto__` (no field may have that name: data/rules.ts).
 */
export function fieldPathProblem(path: string): string | undefined {
  for (const segment of path.split(".")) {
    if (segment === "") return "a field path may not have an empty segment";
    if (segment.startsWith("$"))
      return `the operator ${segment} is not supported (allowed: ${FILTER_OPERATORS.join(" ")})`;
    if (segment.includes("\u0000")) return "a field path may not contain NUL";
    if (segment === FORBIDDEN_FIELD_NAME) return `a field path may not go through ${FORBIDDEN_FIELD_NAME}`;
  }
  if (path.length > 1024) return "a field path may be at most 1024 characters";
  return undefined;
}

/** The filter as MongoDB receives it, rebuilt from the allowed parts only; 422 listing every problem otherwise. */
export function parseFilter(input: unknown, path = "filter"): Filter<Record<string, unknown>> {
  const issues: FieldIssue[] = [];
  const checker = new FilterChecker(issues);
  const filter = checker.filter(input, "");
  if (issues.length > 0 || !filter) {
    throw new ValidationError(
      issues.slice(0, 20).map((issue) => ({ ...issue, path: issue.path ? `${path}.${issue.path}` : path })),
    );
  }
  return filter;
}

/** A `filter` query parameter: JSON text, then the language above. */
export function parseFilterText(text: string | undefined): Filter<Record<string, unknown>> {
  if (text === undefined || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: "filter", message: "is not valid JSON" }]);
  }
  return parseFilter(parsed);
}
