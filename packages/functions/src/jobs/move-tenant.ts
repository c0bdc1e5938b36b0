import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import {
  continueMove,
  type MoveStatus,
  moveTenant,
  organizationNameSchema,
  parseInput,
  undoMove,
} from "@org-service/core";
import { logger } from "../http/logging";
import { type ProblemDetails, toProblemResponse } from "../http/problem";
import { job } from "./job";

/**
 * Invoked directly (not an HTTP route; `aws lambda invoke`): moves a tenant to another cell or tier,
 * carries on a move under way, or undoes one that has not switched yet (core's cells/move.ts).
 *
 * Event: `{ "organization_name", "to", "tier"?: "pool" | "silo", "action"?: "move" | "continue" | "undo" }`
 * (`to` only for a move, the default action).
 *
 * Answer: `{ "ok": true, "finished", "organization_id", "organization_name", "from", "to", "step",
 * "copied" }`, or `{ "ok": false, "problem" }` with the problem details the HTTP API answers (a bad
 * event: validation-failed; an unknown organization: not-found; a move in the way: conflict; a full
 * target: no-capacity). Refusals are answers, not failed invocations: retrying them cannot help.
 * Anything unexpected (the database unreachable) is logged and thrown, so the invocation fails.
 *
 * The move works until shortly before the invocation's time runs out, waiting out its drain
 * periods. Not finished by then (`finished: false`, the `step` it got to), it is recorded where it
 * got to, and the reconciler or another invocation (`"action": "continue"`) carries it on.
 */
const eventSchema = z
  .object({
    organization_name: organizationNameSchema,
    to: z.optional(z.string().check(z.minLength(1))),
    tier: z.optional(z.enum(["pool", "silo"])),
    action: z.optional(z.enum(["move", "continue", "undo"])),
  })
  .check(
    z.refine((event) => (event.action ?? "move") !== "move" || event.to !== undefined, {
      message: "the cell to move to is required for a move",
      path: ["to"],
    }),
    z.refine((event) => (event.action ?? "move") === "move" || (event.to === undefined && event.tier === undefined), {
      message: "only a move takes to and tier",
      path: ["action"],
    }),
  );

export type MoveTenantEvent = z.input<typeof eventSchema>;

export type MoveTenantAnswer =
  | {
      readonly ok: true;
      /** Nothing left to do: the move is done (or undone). */
      readonly finished: boolean;
      readonly organization_id: string;
      readonly organization_name: string;
      readonly from: Pick<MoveStatus["from"], "cell" | "tier">;
      readonly to: Pick<MoveStatus["to"], "cell" | "tier">;
      readonly step: MoveStatus["step"];
      readonly copied: number;
    }
  | { readonly ok: false; readonly problem: ProblemDetails };

/** Left of the invocation's time after the budget: one slice of the move (a batch, a verification) must fit in it. */
export const SAFETY_MARGIN_MS = 60_000;
/** Below this the move still gets one short budget: a step or two, recorded. */
const MINIMUM_BUDGET_MS = 1_000;

export function budgetFor(context: Pick<Context, "getRemainingTimeInMillis">): number {
  const remaining = context.getRemainingTimeInMillis();
  // A short invocation (tests, a small timeout) keeps a quarter of its time as margin instead.
  const margin = Math.min(SAFETY_MARGIN_MS, remaining / 4);
  return Math.max(MINIMUM_BUDGET_MS, Math.floor(remaining - margin));
}

export const handler = job(async (event: unknown, context: Context): Promise<MoveTenantAnswer> => {
  try {
    const input = parseInput(eventSchema, event ?? {});
    const options = { budgetMs: budgetFor(context), waitForDrain: true };
    const name = input.organization_name;
    const status =
      input.action === "undo"
        ? await undoMove(name)
        : input.action === "continue"
          ? await continueMove(name, options)
          : await moveTenant(
              { organizationName: name, toCell: input.to!, ...(input.tier && { tier: input.tier }) },
              options,
            );
    const answer = {
      ok: true,
      finished: status.step === "done" || status.step === "undone",
      organization_id: status.organizationId,
      organization_name: status.organizationName,
      from: { cell: status.from.cell, tier: status.from.tier },
      to: { cell: status.to.cell, tier: status.to.tier },
      step: status.step,
      copied: status.copied,
    } as const;
    logger.info("tenant move", { ...answer });
    return answer;
  } catch (error) {
    const { problem, unexpected } = toProblemResponse(error);
    // Anything unexpected is the job's to log and rethrow (job.ts).
    if (unexpected) throw error;
    logger.info("tenant move refused", { problem_type: problem.type, detail: problem.detail });
    return { ok: false, problem };
  }
});
