// The organization's single sign-on connection: offered to the holders of the `org:sso` scope only
// (whoever chooses the provider chooses who signs in as each of the domains' users).
import { api, hasStatus } from "./api.js";
import { $, act, clear, nonEmpty, onSubmit, paragraph, showError } from "./dom.js";
import * as session from "./session.js";

/** The connection as last read, or null when there is none. */
let connection = null;

export const ssoSettingsSection = {
  id: "sso-settings",
  available: (view) => !view.mfaEnrollmentRequired && view.scopes.has("org:sso"),

  open(view) {
    showConnection(view);
    loadConnection(view).catch((error) => showError(undefined, $("sso-settings-result"), error));
  },

  close() {},

  clear() {
    connection = null;
    $("sso-connection").reset();
    clear("sso-settings-result", "sso-connection-result");
  },
};

async function loadConnection(view) {
  let read = null;
  try {
    read = await api("GET", "org/sso", { auth: true });
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
  }
  if (!session.isCurrent(view)) return;
  connection = read;
  showConnection(view);
}

function showConnection(view = session.current()) {
  $("sso-status").textContent = !connection
    ? "No identity provider is connected."
    : `Connected to ${connection.issuer}: ${connection.enabled ? "enabled" : "disabled"}${connection.enforced ? ", enforced" : ""}.`;
  $("sso-redirect-uri").textContent =
    connection?.redirect_uri ?? `${location.origin}/auth/sso/callback/${view?.organizationId ?? ""}`;
  if (connection) {
    $("sso-issuer").value = connection.issuer;
    $("sso-client-id").value = connection.client_id;
  }
  for (const id of ["sso-test", "sso-enable", "sso-enforce"]) $(id).disabled = !connection;
  $("sso-enable").textContent = connection?.enabled ? "Disable" : "Enable";
  $("sso-enforce").textContent = connection?.enforced ? "Stop enforcing" : "Enforce";
  $("sso-enforce").disabled = !connection?.enabled;
}

onSubmit("sso-connection", async (fields) => {
  connection = await api("PUT", "org/sso", { auth: true, body: nonEmpty(fields) });
  $("sso-client-secret").value = "";
  showConnection();
  return [paragraph("Connection saved: the provider answered as an OpenID provider.")];
});

/** Runs a button's action; then the buttons show the connection's state again (`act` enables its button). */
async function connectionAction(event, action) {
  await act(event.currentTarget, $("sso-settings-result"), action);
  showConnection();
}

$("sso-test").addEventListener("click", (event) =>
  connectionAction(event, async () => {
    const test = await api("POST", "org/sso/test", { auth: true });
    const keys = `${test.signing_keys} signing key${test.signing_keys === 1 ? "" : "s"}`;
    return [paragraph(`The provider answered, with ${keys}.`)];
  }),
);

$("sso-enable").addEventListener("click", (event) =>
  connectionAction(event, async () => {
    connection = await api("PATCH", "org/sso", { auth: true, body: { enabled: !connection?.enabled } });
    return [paragraph(connection.enabled ? "Single sign-on is enabled." : "Single sign-on is disabled.")];
  }),
);

$("sso-enforce").addEventListener("click", (event) =>
  connectionAction(event, async () => {
    connection = await api("PATCH", "org/sso", { auth: true, body: { enforced: !connection?.enforced } });
    return [
      paragraph(
        connection.enforced
          ? "Single sign-on is enforced: your domains' users sign in through the provider (owners keep their password)."
          : "Password sign-in is allowed again.",
      ),
    ];
  }),
);
