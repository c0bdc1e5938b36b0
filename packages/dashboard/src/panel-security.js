// Sessions and security: where the user is signed in, two-factor sign-in, and their email and password.
import { api, everyPage } from "./api.js";
import {
  $,
  act,
  button,
  clear,
  closeQuestions,
  confirmInline,
  nonEmpty,
  onSubmit,
  paragraph,
  plural,
  show,
  showError,
  time,
} from "./dom.js";
import * as session from "./session.js";

export const securitySection = {
  id: "security",
  // Always: it is where a user the organization requires a second factor of sets one up.
  available: () => true,

  open(view) {
    $("mfa-required").hidden = !view.mfaEnrollmentRequired;
    // While enrolling, the service allows enrolling and the session list, nothing else.
    $("credentials").hidden = view.mfaEnrollmentRequired || !session.can("profile:write");
    $("mfa-disable").hidden = view.mfaEnrollmentRequired;
    loadSessions().catch((error) => showError(undefined, $("sessions-result"), error));
  },

  close() {
    closeQuestions($("security"));
  },

  clear() {
    closeQuestions($("security"));
    $("sessions-list").replaceChildren();
    $("mfa-enrollment").hidden = true;
    $("mfa-qr").replaceChildren();
    $("mfa-secret").textContent = "";
    for (const id of ["mfa-verify", "mfa-disable", "credentials"]) $(id).reset();
    clear("sessions-result", "mfa-verify-result", "mfa-disable-result", "credentials-result");
  },
};

// --- sessions --------------------------------------------------------------------------------------------

async function loadSessions() {
  const view = session.current();
  if (!view) return;
  const sessions = await everyPage("me/sessions", "sessions");
  if (!session.isCurrent(view)) return;
  $("sessions-list").replaceChildren(...sessions.map(sessionRow));
}

function sessionRow(entry) {
  const row = document.createElement("tr");
  const device = document.createElement("th");
  device.scope = "row";
  device.textContent = entry.user_agent ?? "unknown device";
  if (entry.current || entry.mfa) {
    const notes = document.createElement("span");
    notes.className = "hint";
    notes.textContent = ` (${[entry.current && "this session", entry.mfa && "two-factor"].filter(Boolean).join(", ")})`;
    device.append(notes);
  }
  const from = document.createElement("td");
  from.textContent = entry.source_ip ?? "";
  const started = document.createElement("td");
  started.append(time(entry.created_at, (date) => date.toLocaleString()));
  const used = document.createElement("td");
  used.append(time(entry.last_used_at, (date) => date.toLocaleString()));
  const actions = document.createElement("td");
  if (!entry.current) {
    const revoke = button("Sign out", {
      label: `Sign out the session of ${device.textContent} from ${from.textContent}`,
    });
    revoke.addEventListener("click", () =>
      act(revoke, $("sessions-result"), async () => {
        await api("DELETE", `me/sessions/${encodeURIComponent(entry.session_id)}`, { auth: true });
        await loadSessions();
        return [paragraph("That session is signed out.")];
      }),
    );
    actions.append(revoke);
  }
  row.append(device, from, started, used, actions);
  return row;
}

$("sessions-reload").addEventListener("click", (event) =>
  act(event.currentTarget, $("sessions-result"), async () => {
    await loadSessions();
    return [];
  }),
);
$("sessions-others").addEventListener("click", (event) => {
  const others = event.currentTarget;
  confirmInline(others, "Sign out every other session?", "Yes, sign them out", () =>
    act(others, $("sessions-result"), async () => {
      const { revoked } = await api("DELETE", "me/sessions", { auth: true });
      await loadSessions();
      return [paragraph(`${plural(revoked, "other session", "other sessions")} signed out.`)];
    }),
  );
});

// --- two-factor sign-in ------------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

/**
 * The QR code the server drew, rebuilt with DOM calls: the page writes no markup from strings
 * (Trusted Types), so only the SVG's `viewBox` and its paths' `d`, `fill` and `stroke` are taken.
 */
function qrCode(svgText, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", /viewBox="([\d .]+)"/.exec(svgText)?.[1] ?? "0 0 0 0");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  for (const [, attributes] of svgText.matchAll(/<path([^>]*)\/?>/g)) {
    const path = document.createElementNS(SVG, "path");
    for (const name of ["d", "fill", "stroke"]) {
      const value = new RegExp(`\\s${name}="([^"]*)"`).exec(attributes)?.[1];
      if (value !== undefined) path.setAttribute(name, value);
    }
    svg.append(path);
  }
  return svg;
}

$("mfa-enroll").addEventListener("click", (event) =>
  act(event.currentTarget, $("mfa-verify-result"), async () => {
    const enrollment = await api("POST", "me/mfa/totp", { auth: true });
    $("mfa-qr").replaceChildren(qrCode(enrollment.qr_svg, "QR code to scan with an authenticator app"));
    $("mfa-secret").textContent = enrollment.secret;
    $("mfa-enrollment").hidden = false;
    $("mfa-verify-code").focus();
    return [];
  }),
);

onSubmit("mfa-verify", async (fields, form) => {
  const { recovery_codes: codes } = await api("POST", "me/mfa/totp/verify", { auth: true, body: fields });
  form.reset();
  $("mfa-enrollment").hidden = true;
  $("mfa-qr").replaceChildren();
  const list = document.createElement("ol");
  list.id = "recovery-codes";
  list.append(
    ...codes.map((code) => {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = code;
      item.append(text);
      return item;
    }),
  );
  const done = paragraph(
    "Two-factor sign-in is on. Keep these recovery codes somewhere safe: each signs in once without the app, and they are shown only now.",
  );
  done.tabIndex = -1;
  done.setAttribute("data-focus", "");
  // A token issued while the organization waited for this factor allows nothing else: a new one does.
  if (session.current()?.mfaEnrollmentRequired) session.refresh();
  // Shown below the enrollment, which is hidden now.
  return [done, list];
});

onSubmit("mfa-disable", async (fields, form) => {
  await api("DELETE", "me/mfa/totp", { auth: true, body: fields });
  form.reset();
  show($("mfa-verify-result"), []);
  return [paragraph("Two-factor sign-in is off: the password alone signs in, and the recovery codes no longer work.")];
});

// --- email and password ----------------------------------------------------------------------------------

onSubmit("credentials", async (fields, form) => {
  const view = session.current();
  // The current password proves the change; it is no change itself.
  const { current_password: currentPassword, ...change } = nonEmpty(fields);
  if (Object.keys(change).length === 0) throw new Error("Enter a new email, a new password, or both.");
  const result = await api("PUT", "org/update", {
    auth: true,
    body: { organization_name: view.organizationName, ...change, current_password: currentPassword },
  });
  form.reset();
  // The change ended every session of the user; this one continues with the tokens of the answer.
  if (result.access_token) session.continueWith(result);
  const nodes = [];
  if (change.password) {
    nodes.push(paragraph("Changed the password. Other sessions are signed out; this one continues with a new token."));
  }
  // A new email changes nothing yet: the new address must follow the link mailed to it.
  const pending = result.pending_email;
  if (pending) {
    const expires = new Date(pending.expires_at).toLocaleString();
    nodes.push(
      paragraph(
        pending.mail_sent
          ? `Check ${pending.email} to confirm the new address: the email changes once the link mailed there is followed (it expires ${expires}). Until then you sign in with the current one.`
          : `The link to confirm ${pending.email} could not be mailed: try the change again later. The email stays as it was.`,
      ),
    );
  } else if (change.email) {
    nodes.push(paragraph(`The email is ${result.admin_email ?? change.email}.`));
  }
  return nodes;
});
