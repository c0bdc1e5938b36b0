import { LambdaClient } from "@aws-sdk/client-lambda";
import { createOrganization, onEventsAppended } from "@org-service/core";
import { useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import { DISPATCHER_VARIABLE, startDispatcherOnAppend } from "../src/deployment/start-dispatcher";

/**
 * Deployed, a function that appended events starts the dispatcher function at once, asynchronously;
 * tested with the Lambda client stubbed at `send`, as SES and EventBridge are.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());
afterEach(() => {
  onEventsAppended(undefined);
  vi.restoreAllMocks();
});

describe("starting the dispatcher", () => {
  it("invokes the named function asynchronously once a change's events are appended, and waits for Lambda to take it", async () => {
    const send = vi.spyOn(LambdaClient.prototype, "send").mockResolvedValue({ StatusCode: 202 } as never);
    startDispatcherOnAppend({ [DISPATCHER_VARIABLE]: "pr-1-org-service-api-EventDispatcher" });
    await createOrganization({
      organizationName: `Dispatch ${Date.now()}`,
      email: `d${Date.now()}@x.example`,
      password: "password-123",
    });
    expect(send).toHaveBeenCalled();
    const input = (send.mock.calls[0]![0] as unknown as { input: Record<string, string> }).input;
    expect(input).toEqual({ FunctionName: "pr-1-org-service-api-EventDispatcher", InvocationType: "Event" });
  });

  it("a refused invoke fails nothing: the change stands, the scheduled pass delivers", async () => {
    vi.spyOn(LambdaClient.prototype, "send").mockRejectedValue(new Error("TooManyRequestsException"));
    startDispatcherOnAppend({ [DISPATCHER_VARIABLE]: "fn" });
    await expect(
      createOrganization({
        organizationName: `Refused ${Date.now()}`,
        email: `r${Date.now()}@x.example`,
        password: "password-123",
      }),
    ).resolves.toMatchObject({ name: expect.stringMatching(/^Refused/) });
  });

  it("sets nothing without the variable (the local server runs its own dispatcher)", async () => {
    const send = vi.spyOn(LambdaClient.prototype, "send");
    startDispatcherOnAppend({});
    await createOrganization({
      organizationName: `Local ${Date.now()}`,
      email: `l${Date.now()}@x.example`,
      password: "password-123",
    });
    expect(send).not.toHaveBeenCalled();
  });
});
