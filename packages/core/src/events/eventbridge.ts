import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { ServiceEvent } from "./types";

let client: EventBridgeClient | undefined;

/** What every event on the bus says it comes from: rules match on it. */
export const EVENT_SOURCE = "org-service";

export class EventBusError extends Error {
  override readonly name = "EventBusError";
}

/**
 * Put one event on the stage's bus: `source` org-service, `detail-type` its type, `detail` the event
 * as webhooks carry it (consumers tell repeats apart by its `id`: delivery is at least once). One
 * client per container; only the dispatcher's role may `events:PutEvents`, on this bus alone.
 */
export async function putOnBus(busName: string, event: ServiceEvent): Promise<void> {
  client ??= new EventBridgeClient({});
  const answer = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: EVENT_SOURCE,
          DetailType: event.type,
          Detail: JSON.stringify(event),
          Time: new Date(event.occurred_at),
        },
      ],
    }),
  );
  const failed = answer.Entries?.find((entry) => entry.ErrorCode);
  if ((answer.FailedEntryCount ?? 0) > 0 || failed) {
    throw new EventBusError(`EventBridge refused the event: ${failed?.ErrorCode ?? "unknown error"}`);
  }
}
