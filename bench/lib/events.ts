/**
 * Events (section 3d): how long a change takes to reach three live webhook receivers at 100
 * changes a second, how many events a second delivery keeps up with in a burst, and what a feed
 * read costs at the tail of 10,000 events against 100.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { log, percentile } from "./common";
import { call, signUp } from "./data-load";
import { type ChildServer, type LoadResult, measureLoad } from "./load";

export interface EventsMeasurement {
  /** Change (the request's start) to delivery, each of three receivers, at `rate` changes/s. */
  readonly latency: readonly {
    readonly rate: number;
    /** Changes sent, and the ones the service made (the rest it refused, overloaded). */
    readonly sent: number;
    readonly changes: number;
    readonly p50: number;
    readonly p99: number;
    readonly missing: number;
  }[];
  /** Events appended at once: events and deliveries a second, from the append to the last delivery. */
  readonly burst: { readonly events: number; readonly eventsPerSecond: number; readonly deliveriesPerSecond: number };
  /** `GET /org/events` at the tail (the last 50) of an organization's feed of each size. */
  readonly feed: Readonly<Record<"small" | "large", LoadResult & { readonly events: number }>>;
}

export interface EventsRunOptions {
  readonly service: ChildServer;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /**
   * Appends one `invitation.created` event per email at once, as changes would, through core in
   * the benchmark's process: what the dispatcher then has to deliver, without the changes' own cost.
   */
  readonly appendEvents: (emails: readonly string[]) => Promise<void>;
  /** A platform client's access token (`platform:read`, `platform:write`), for the endpoints of every organization. */
  readonly platformToken: () => Promise<string>;
  /** Seeds `count` events into the organization's feed (after what it has), through the driver. */
  readonly seedFeed: (organizationId: string, count: number) => Promise<void>;
}

const RECEIVERS = 3;
/** Changes a second sent: the target's, and lower ones this machine's two cores keep up with. */
const RATES = [25, 50, 100];
/** After a rate the service could not keep up with, this long for its backlog to drain. */
const DRAIN_SECONDS = 60;
const LATENCY_SECONDS = 10;
const BURST = 600;
const FEED_SIZES = { small: 100, large: 10_000 } as const;
const ORGANIZATIONS = 20;

interface Receiver {
  readonly server: Server;
  readonly url: string;
  /** Arrival time of each delivery, by the invited email. */
  readonly arrivals: Map<string, number>;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const at = performance.now();
      const email = (JSON.parse(body) as { data: { email: string } }).data.email;
      if (!arrivals.has(email)) arrivals.set(email, at);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}

async function waitFor(done: () => boolean, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function measureEvents(options: EventsRunOptions): Promise<EventsMeasurement> {
  const { service } = options;
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, startReceiver));
  try {
    // The changes are spread over organizations, as a platform's are: each inviting a few a second.
    const owners: string[] = [];
    for (let i = 0; i < ORGANIZATIONS; i++) {
      owners.push((await signUp(service, `Events Bench ${i}`, `events-bench-${i}@bench.example`)).token);
    }
    const started = new Map<string, number>();
    let sequence = 0;
    /** One change; the email it made, or undefined when the service refused it (overloaded: 503). */
    const invite = async (): Promise<string | undefined> => {
      const n = ++sequence;
      const email = `invitee-${n}@events.bench.example`;
      started.set(email, performance.now());
      const auth = { authorization: `Bearer ${owners[n % owners.length]}` };
      const answer = await fetch(`${service.url}/org/invitations`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ email, role: "member" }),
      });
      await answer.text();
      return answer.status === 201 ? email : undefined;
    };

    // The feed first, on a server that delivers nothing yet.
    log("events: feed reads at the tail of 100 and of 10,000 events");
    const feed = {} as Record<"small" | "large", LoadResult & { events: number }>;
    for (const key of ["small", "large"] as const) {
      const owner = await signUp(service, `Feed ${key}`, `feed-${key}@bench.example`);
      const query = new URLSearchParams({ organization_name: owner.name });
      const organization = (await call(`${service.url}/org/get?${query}`, {}, 200)) as {
        organization_id: string;
      };
      // Its sign-up's organization.created is the first.
      await options.seedFeed(organization.organization_id, FEED_SIZES[key] - 1);
      const tail = (await call(
        `${service.url}/org/events?after=${FEED_SIZES[key] - 50}`,
        { headers: { authorization: `Bearer ${owner.token}` } },
        200,
      )) as {
        events: unknown[];
      };
      if (tail.events.length !== 50) throw new Error(`the ${key} feed's tail has ${tail.events.length} events, not 50`);
      const result = await measureLoad(
        `${service.url}/org/events?after=${FEED_SIZES[key] - 50}&limit=50`,
        options.connections,
        options.seconds,
        options.warmupSeconds,
        { headers: { authorization: `Bearer ${owner.token}` } },
        { server: service },
      );
      feed[key] = { ...result, events: FEED_SIZES[key] };
    }
    // The endpoints only now: the feed's seeded events were appended while nothing listened.
    const platform = await options.platformToken();
    for (const receiver of receivers) {
      await call(
        `${service.url}/platform/webhooks`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${platform}` },
          json: { url: `${receiver.url}/hook`, event_types: ["invitation.created"] },
        },
        201,
      );
    }
    const latency: EventsMeasurement["latency"][number][] = [];
    for (const rate of RATES) {
      log(`events: ${rate} changes/s for ${LATENCY_SECONDS} s, delivered to ${RECEIVERS} receivers`);
      const sent: Promise<string | undefined>[] = [];
      const begin = performance.now();
      for (let i = 0; i < rate * LATENCY_SECONDS; i++) {
        const due = begin + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent.push(invite());
      }
      const answered = await Promise.all(sent);
      const emails = answered.filter((email): email is string => email !== undefined);
      const delivered = () => receivers.every((receiver) => emails.every((email) => receiver.arrivals.has(email)));
      await waitFor(delivered, 60);
      const latencies = receivers.flatMap((receiver) =>
        emails.flatMap((email) => {
          const arrived = receiver.arrivals.get(email);
          return arrived === undefined ? [] : [arrived - started.get(email)!];
        }),
      );
      latency.push({
        rate,
        sent: answered.length,
        changes: emails.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        missing: emails.length * RECEIVERS - latencies.length,
      });
      // A backlog drains before the next run.
      await waitFor(delivered, DRAIN_SECONDS);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }

    log(`events: ${BURST} events appended at once, delivered to ${RECEIVERS} receivers`);
    const burstEmails = Array.from({ length: BURST }, (_, i) => `burst-${i}@events.bench.example`);
    const burstBegin = performance.now();
    await options.appendEvents(burstEmails);
    await waitFor(() => receivers.every((receiver) => burstEmails.every((email) => receiver.arrivals.has(email))), 120);
    const lastArrival = Math.max(
      ...receivers.flatMap((receiver) => burstEmails.map((email) => receiver.arrivals.get(email) ?? Number.NaN)),
    );
    const burstSeconds = (lastArrival - burstBegin) / 1000;
    const burst = {
      events: burstEmails.length,
      eventsPerSecond: burstEmails.length / burstSeconds,
      deliveriesPerSecond: (burstEmails.length * RECEIVERS) / burstSeconds,
    };
    return { latency, burst, feed };
  } finally {
    for (const receiver of receivers) receiver.server.close();
  }
}
