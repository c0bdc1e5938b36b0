// Requests to the API: same origin, relative URLs (so the page works wherever the API is mounted),
// JSON both ways, RFC 9457 problems turned into errors.
import { accessToken, current, end, isCurrent, refresh } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.message ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

export const hasStatus = (error, status) => error instanceof ApiError && error.status === status;

/**
 * `auth` sends the session's token. `keepSession`: a 401 says nothing about that token (a public
 * route that takes one as an option). Otherwise a refused token gets one refresh and one retry:
 * it may just have expired (a tab asleep past its silent refresh) — but only in the session it was
 * sent for: after a sign-in or an organization switch meanwhile, resending it would do in another
 * organization, or as another user, what was asked of the first.
 */
export async function api(method, path, { body, auth = false, keepSession = false } = {}) {
  const sentFor = current();
  const first = await send(method, path, body, auth);
  if (!refusedToken(first, auth, keepSession)) return answer(first);
  if (!isCurrent(sentFor) || !(await refresh()) || !isCurrent(sentFor)) return answer(first, true);
  const second = await send(method, path, body, auth);
  return answer(second, refusedToken(second, auth, keepSession));
}

/** The most pages {@link everyPage} reads: a list longer than this is not one to show whole. */
const MOST_PAGES = 20;

/**
 * Every item of a short list the API pages (the pending invitations, one's sessions), page after
 * page: shown whole, so nothing past the first page is out of sight or out of reach.
 */
export async function everyPage(path, field) {
  const items = [];
  let cursor;
  for (let page = 0; page < MOST_PAGES; page++) {
    const answer = await api("GET", cursor ? `${path}?${new URLSearchParams({ cursor })}` : path, { auth: true });
    items.push(...answer[field]);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

async function send(method, path, body, auth) {
  const headers = { accept: "application/json, application/problem+json" };
  const token = auth ? accessToken() : undefined;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => undefined);
  return { status: response.status, ok: response.ok, data, token };
}

/** Not a wrong password or code, which are 401s too (`invalid-credentials`): the token itself was refused. */
const refusedToken = (reply, auth, keepSession) =>
  reply.status === 401 &&
  auth &&
  reply.token !== undefined &&
  !keepSession &&
  !(typeof reply.data?.type === "string" && reply.data.type.endsWith(":invalid-credentials"));

/**
 * A token refused even after a refresh was revoked (a sign-out elsewhere, a credential or role
 * change) or its session ended: so is this one, unless another request has renewed it meanwhile.
 */
function answer(reply, refused = false) {
  if (refused && accessToken() === reply.token) end("Your session has ended: sign in again.");
  if (!reply.ok) throw new ApiError(reply.status, reply.data);
  return reply.data;
}
