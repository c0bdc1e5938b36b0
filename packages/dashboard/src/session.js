// The signed-in session: the only state the dashboard's modules share. It owns the tokens (in this
// tab's sessionStorage, never localStorage: another tab, or a page opened later, starts signed out),
// their refresh and the logout, and says what the page may offer from the access token's own claims.

const STORAGE_KEY = "org-service.session";
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * What is stored: the tokens, and what the sign-in answer said that the token does not carry (the
 * organization's name).
 * @typedef {{ token: string, refresh_token?: string, session_id?: string, expires_at?: number,
 *   organization_id?: string, organization_name: string, role: string, user_id: string }} Stored
 */

/**
 * What the page reads. `scopes` come from the token's `scope` claim: the service puts there what
 * the role may do, so the page needs no table of its own (and the server checks every request anyway).
 * @typedef {{ organizationId: string, organizationName: string, role: string, userId: string,
 *   scopes: ReadonlySet<string>, mfaEnrollmentRequired: boolean, generation: number }} Session
 */

/** @type {Stored | null} */
let stored = read();
/** Counts sign-ins and sign-outs (not refreshes): an answer that comes back to another generation is stale. */
let generation = 0;
/** @type {Session | null} */
let view = viewOf(stored);
let refreshTimer;
/** The refresh under way: a refresh token works once, and the service takes a reused one for a stolen one. */
let refreshInFlight;
const listeners = new Set();

/** @returns {Session | null} */
export const current = () => view;

/** Whether the session's token carries `scope`. */
export const can = (scope) => view?.scopes.has(scope) === true;

/** Whether `session` (a {@link current} read before an await) is still the one signed in. */
export const isCurrent = (session) => session !== null && view?.generation === session.generation;

/** The access token for a request's `authorization` header. */
export const accessToken = () => stored?.token;

/**
 * `listener({ started, ended, claims, message })` after every change the page shows: a sign-in, a
 * sign-out (with what to tell the user, if anything), a token that allows other things (`claims`),
 * or a new name (none of the flags).
 */
export function onChange(listener) {
  listeners.add(listener);
}

/** Starts the session that a sign-in, an accepted invitation or a single sign-on answered. */
export function start(answer) {
  generation += 1;
  save({
    ...tokensFrom(answer),
    organization_id: answer.organization_id,
    organization_name: answer.organization_name,
    role: answer.role,
    user_id: answer.user_id,
  });
  notify({ started: true });
}

/** Goes on with the tokens of an answer that renewed them (a credential change ends the others). */
export function continueWith(answer) {
  if (!stored) return;
  replaceTokens(tokensFrom(answer));
}

export function rename(organizationName) {
  if (!stored) return;
  save({ ...stored, organization_name: organizationName });
  notify({});
}

/** Forgets the session in this tab; `message` says why, on the sign-in page. */
export function end(message = "") {
  if (!stored) return;
  generation += 1;
  save(null);
  notify({ ended: true, message });
}

/** Ends the session on the server too (its refresh token with it); the page forgets it either way. */
export async function logout() {
  const token = stored?.token;
  if (!token) return;
  await fetch("auth/logout", { method: "POST", headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
  end("You are signed out.");
}

/** Rotates both tokens; true when the session goes on, false when it could not (ended on a refusal). */
export function refresh() {
  refreshInFlight ??= (async () => {
    const started = generation;
    const used = stored?.refresh_token;
    if (!used) return false;
    const response = await fetch("auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, application/problem+json" },
      body: JSON.stringify({ refresh_token: used }),
    }).catch(() => undefined);
    // A sign-out or another sign-in meanwhile: this answer is stale, and the session it was for is
    // over. Tokens renewed otherwise (a credential change) in the same session: it goes on.
    if (generation !== started) return false;
    if (stored?.refresh_token !== used) return stored !== null;
    if (!response?.ok) {
      if (response?.status === 401) end("Your session has ended: sign in again.");
      return false;
    }
    replaceTokens(tokensFrom(await response.json()));
    return true;
  })().finally(() => {
    refreshInFlight = undefined;
  });
  return refreshInFlight;
}

/** The access token expires within `ms`: a request sent with it now might arrive too late. */
export const expiresWithin = (ms) => stored?.expires_at !== undefined && stored.expires_at < Date.now() + ms;

// --- inside ----------------------------------------------------------------------------------------

const tokensFrom = (answer) => ({
  token: answer.access_token,
  refresh_token: answer.refresh_token,
  session_id: answer.session_id,
  expires_at: Date.now() + answer.expires_in * 1000,
});

/** New tokens for the same session: the page redraws only if they allow something else. */
function replaceTokens(tokens) {
  const before = view;
  save({ ...stored, ...tokens });
  if (allows(before) !== allows(view)) notify({ claims: true });
}

/** What a session allows, comparable with `===`. */
const allows = (session) =>
  session && `${session.role} ${session.mfaEnrollmentRequired} ${[...session.scopes].sort().join(" ")}`;

function save(value) {
  stored = value;
  view = viewOf(value);
  if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(STORAGE_KEY);
  scheduleRefresh();
}

function notify(change) {
  for (const listener of listeners) listener({ started: false, ended: false, claims: false, message: "", ...change });
}

/** @returns {Stored | null} */
function read() {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    // One stored by an earlier version of the page may lack what this one reads: sign in again.
    const usable =
      typeof value?.token === "string" &&
      typeof value.user_id === "string" &&
      typeof value.organization_name === "string" &&
      claimsOf(value.token) !== null;
    return usable ? value : null;
  } catch {
    return null;
  }
}

/** @returns {Session | null} */
function viewOf(value) {
  const claims = value && claimsOf(value.token);
  if (!claims) return null;
  return Object.freeze({
    organizationId: typeof claims.org === "string" ? claims.org : (value.organization_id ?? ""),
    organizationName: value.organization_name,
    role: typeof claims.role === "string" ? claims.role : value.role,
    userId: typeof claims.sub === "string" ? claims.sub : value.user_id,
    scopes: new Set(typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : []),
    mfaEnrollmentRequired: claims.mfa_enrollment_required === true,
    generation,
  });
}

/**
 * The JWT's payload, read without checking its signature: it only decides what the page offers,
 * and the service checks the signature of every request.
 */
function claimsOf(token) {
  try {
    const part = token.split(".")[1] ?? "";
    const base64 = part
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims !== null && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!stored?.refresh_token || !stored.expires_at) return;
  const wait = Math.max(5_000, stored.expires_at - Date.now() - REFRESH_AHEAD_MS);
  // A failure here is not the user's to see: the next request refused retries, and ends the session if it must.
  refreshTimer = setTimeout(() => refresh().catch(() => undefined), wait);
}

// A page loaded with a session stored renews it on time too.
scheduleRefresh();

// --- one tab per session ---------------------------------------------------------------------------
// "Duplicate tab" copies sessionStorage, and with it the refresh token: two tabs refreshing one
// token is, to the service, a stolen token used twice, and it ends the session in both. So a tab
// that starts with a session stored asks the others whether one of them holds it already; if one
// does, this one forgets it (the other goes on) and its user signs in here afresh.

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("org-service.session") : undefined;
/** The session this tab asked about, while it waits for an answer; a tab still asking answers no one. */
let asking = stored?.session_id;
channel?.addEventListener("message", ({ data }) => {
  if (data?.type === "held?" && asking === undefined && stored?.session_id === data.sessionId) {
    channel.postMessage({ type: "held", sessionId: data.sessionId });
  } else if (data?.type === "held" && asking !== undefined && asking === data.sessionId) {
    asking = undefined;
    if (stored?.session_id === data.sessionId) {
      end("This session is open in another tab, which keeps it: sign in here for one of this tab's own.");
    }
  }
});
if (asking !== undefined && channel) {
  channel.postMessage({ type: "held?", sessionId: asking });
  // Nobody answered: no other tab holds it (two tabs asking at once both keep theirs).
  setTimeout(() => {
    asking = undefined;
  }, 1_000);
} else {
  asking = undefined;
}
