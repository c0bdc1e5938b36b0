import { createSocket, type RemoteInfo } from "node:dgram";
import * as dnsPacket from "dns-packet";

/** What a name answers besides its TXT records: a server failure, or nothing at all (the client times out). */
export type DnsFault = "servfail" | "refused" | "silent";

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for DNS_SERVERS. */
  readonly address: string;
  /** The TXT records `name` answers (each value one record); `[]`: the name exists with no TXT record (NODATA). */
  setTxt(name: string, values: readonly string[]): void;
  /** `name` answers this failure instead of its records, until cleared. */
  fail(name: string, fault: DnsFault): void;
  /** Forget `name` (records and failure): it answers NXDOMAIN again. */
  clear(name: string): void;
  /** The queries received, as `<name> <type>`, oldest first. */
  readonly queries: readonly string[];
  close(): Promise<void>;
}

/** DNS's response codes (RFC 1035 §4.1.1), in the low bits of the header's flags. */
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

const key = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * A DNS server on a loopback UDP port that answers TXT queries from a table the test sets: what the
 * service's resolver (node:dns, c-ares) talks to in tests instead of the Internet's DNS, so that the
 * lookup code runs exactly as in production. Packets are read and written by dns-packet; an
 * unknown name answers NXDOMAIN, a known name without TXT records (or a query of another type)
 * answers NOERROR with no answers (NODATA), and a name set to fail answers SERVFAIL, REFUSED or
 * nothing.
 */
export async function startTestDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, readonly string[]>();
  const faults = new Map<string, DnsFault>();
  const queries: string[] = [];
  const socket = createSocket("udp4");

  socket.on("message", (message: Buffer, from: RemoteInfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real server drops it too
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = key(question.name);
    queries.push(`${name} ${question.type}`);
    const fault = faults.get(name);
    if (fault === "silent") return;
    const values = records.get(name);
    const rcode =
      fault === "servfail"
        ? RCODE.SERVFAIL
        : fault === "refused"
          ? RCODE.REFUSED
          : values === undefined
            ? RCODE.NXDOMAIN
            : RCODE.NOERROR;
    const answers: dnsPacket.Answer[] =
      rcode === RCODE.NOERROR && question.type === "TXT"
        ? (values ?? []).map((value) => ({ type: "TXT", name: question.name, ttl: 60, data: value }))
        : [];
    const response = dnsPacket.encode({
      type: "response",
      id: query.id ?? 0,
      // Authoritative, recursion desired echoed, and the response code.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcode,
      questions: [question],
      answers,
    });
    socket.send(response, from.port, from.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const { port } = socket.address();

  return {
    address: `127.0.0.1:${port}`,
    setTxt(name, values) {
      faults.delete(key(name));
      records.set(key(name), [...values]);
    },
    fail(name, fault) {
      faults.set(key(name), fault);
    },
    clear(name) {
      records.delete(key(name));
      faults.delete(key(name));
    },
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
