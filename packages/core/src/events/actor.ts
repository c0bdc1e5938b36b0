import type { PlatformActor } from "../clients/authenticate";
import type { Actor } from "../organizations/model";
import type { EventActor } from "./types";

/** Who an event names as having acted: the organization's client when one did, else the user. */
export function eventActorOf(actor: Pick<Actor, "userId" | "clientId">): EventActor {
  return actor.clientId ? { type: "client", id: actor.clientId } : { type: "user", id: actor.userId };
}

export function platformEventActor(actor: PlatformActor): EventActor {
  return { type: "platform", id: actor.clientId };
}

export const SYSTEM_ACTOR: EventActor = { type: "system" };
