import {
  acceptInputSchema,
  completeMfaInputSchema,
  parseInput,
  refreshInputSchema,
  ValidationError,
} from "@org-service/core";
import { describe, expect, it } from "vitest";
import {
  acceptInvitationBody,
  completeMfaBody,
  confirmEmailBody,
  passwordResetConfirmBody,
  refreshBody,
  verifyEmailBody,
  verifyTotpBody,
} from "../src/http/request-schemas";

/** The issues a schema finds in `input`, as the 422 lists them. */
function issuesOf(schema: Parameters<typeof parseInput>[0], input: unknown) {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

const TOO_LONG = "x".repeat(513);

/**
 * The request schemas take core's rules for what core checks again: a body the API lets through
 * is one core accepts, and both refuse in the same words. Field names differ (snake_case on the
 * wire), the messages must not.
 */
describe("request bodies reuse core's input rules", () => {
  it.each([
    ["POST /auth/refresh", refreshBody, { refresh_token: TOO_LONG }, refreshInputSchema, { refreshToken: TOO_LONG }],
    ["POST /invitations/accept", acceptInvitationBody, { token: TOO_LONG }, acceptInputSchema, { token: TOO_LONG }],
    ["POST /invitations/accept", acceptInvitationBody, { token: "" }, acceptInputSchema, { token: "" }],
    [
      "POST /auth/mfa",
      completeMfaBody,
      { mfa_token: TOO_LONG, code: "1".repeat(40) },
      completeMfaInputSchema,
      { mfaToken: TOO_LONG, code: "1".repeat(40) },
    ],
    [
      "POST /auth/mfa",
      completeMfaBody,
      { mfa_token: "t", recovery_code: "r".repeat(65) },
      completeMfaInputSchema,
      { mfaToken: "t", recoveryCode: "r".repeat(65) },
    ],
  ] as const)("%s: %j refused as core refuses it", (_route, body, input, core, coreInput) => {
    const messages = (issues: readonly { message: string }[]) => issues.map((issue) => issue.message);
    const refused = issuesOf(body, input);
    expect(refused.length).toBeGreaterThan(0);
    expect(messages(refused)).toEqual(messages(issuesOf(core, coreInput)));
  });

  it.each([
    ["POST /auth/password-reset/confirm", passwordResetConfirmBody, { token: TOO_LONG, password: "a long password" }],
    ["POST /auth/verify-email", verifyEmailBody, { token: TOO_LONG }],
    ["POST /auth/confirm-email", confirmEmailBody, { token: TOO_LONG }],
  ] as const)("%s: an over-long link token is not a token", (_route, body, input) => {
    expect(issuesOf(body, input)).toEqual([{ path: "token", message: "is not a token" }]);
  });

  it("a TOTP code is one rule everywhere: enrolling, logging in", () => {
    expect(issuesOf(verifyTotpBody, { code: "" })).toEqual([{ path: "code", message: "must not be empty" }]);
    expect(issuesOf(completeMfaBody, { mfa_token: "t", code: "9".repeat(33) })).toEqual([
      { path: "code", message: "is not a code" },
    ]);
  });
});
