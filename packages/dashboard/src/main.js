// The dashboard's entry: plain DOM and native modules, no framework, nothing from another origin.
// It shows the signed-out page (sign in, sign up, look up) or the signed-in one (a header with the
// organization and the role, and one section at a time), and hands the links the page is opened
// with (`#invitation=`, `#reset=`, `#sso=`, …) to the panels that read them.
import { $, focusLost } from "./dom.js";
import * as session from "./session.js";
import { notice, readSsoLink, reset as resetSignIn } from "./panel-signin.js";
import { close as closePasswordReset, readResetLink } from "./panel-password-reset.js";
import "./panel-signup.js";
import "./panel-lookup.js";
import { readInvitationLink, sessionEnded as invitationSessionEnded } from "./panel-invitation.js";
import { forget as forgetEmailLink, readEmailLinks, render as renderEmail } from "./panel-email.js";
import { organizationSection } from "./panel-organization.js";
import { membersSection } from "./panel-members.js";
import { documentsSection } from "./panel-documents.js";
import { ssoSettingsSection } from "./panel-sso-settings.js";
import { securitySection } from "./panel-security.js";
import { hide as hideSwitch, load as loadSwitch } from "./organization-switch.js";

/**
 * The signed-in sections, in the navigation's order. Each is `{ id, available(session), open(session),
 * close(), clear() }`: `id` names its element and its `#fragment`; `open` loads what it shows,
 * `close` stops what runs while it is in view, `clear` forgets what an earlier session saw.
 */
const SECTIONS = [organizationSection, membersSection, documentsSection, ssoSettingsSection, securitySection];

/** The section in view. */
let shown;

const navLinks = () => $("sections-nav").querySelectorAll("a[data-section]");
const sectionNamed = (id) => SECTIONS.find((section) => section.id === id);

function render({ started = false, ended = false, claims = false, message = "" }, { initial = false } = {}) {
  const view = session.current();
  renderHeader(view);
  $("signed-out").hidden = view !== null;
  $("signed-in").hidden = view === null;
  $("sections-nav").hidden = view === null;
  if (started || ended) {
    shown?.close();
    shown = undefined;
    for (const section of SECTIONS) section.clear();
    forgetEmailLink();
  }
  if (!view) {
    hideSwitch();
    for (const section of SECTIONS) $(section.id).hidden = true;
    invitationSessionEnded();
    notice(message);
    if (!initial && focusLost()) $("signin-title").focus();
  } else {
    if (started) {
      resetSignIn();
      closePasswordReset();
      // Best effort: without the list, the header offers no switch, and nothing else changes.
      loadSwitch(view).catch(() => undefined);
    }
    for (const link of navLinks()) link.parentElement.hidden = !sectionNamed(link.dataset.section).available(view);
    if (started || claims) {
      const wanted = started ? sectionNamed(location.hash.slice(1)) : shown;
      open(wanted?.available(view) ? wanted : SECTIONS.find((section) => section.available(view)), {
        focus: !initial && focusLost(),
      });
    }
  }
  if (started || ended || claims) renderEmail().catch(() => undefined);
}

function renderHeader(view) {
  const status = $("session");
  status.classList.toggle("visually-hidden", view === null);
  $("logout").hidden = view === null;
  if (!view) {
    status.replaceChildren("Not signed in.");
    return;
  }
  // Seen: the organization and a badge with the role; heard: the whole sentence.
  const said = (text) =>
    Object.assign(document.createElement("span"), { className: "visually-hidden", textContent: text });
  const organization = Object.assign(document.createElement("strong"), { textContent: view.organizationName });
  const role = Object.assign(document.createElement("span"), { className: "role", textContent: view.role });
  status.replaceChildren(said("Signed in to "), organization, said(" as "), role, said("."));
}

function open(section, { focus = false } = {}) {
  if (shown !== section) shown?.close();
  shown = section;
  for (const other of SECTIONS) $(other.id).hidden = other !== section;
  for (const link of navLinks()) {
    if (link.dataset.section === section.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  section.open(session.current());
  if (focus) $(`${section.id}-title`).focus();
}

/**
 * The fragment names a section (the navigation's links), carries a link's token, or is empty (the
 * address the page was first opened at, gone back to: its first section).
 */
function route() {
  const fragment = location.hash.slice(1);
  const section = sectionNamed(fragment);
  if (!section) readLinks();
  const view = session.current();
  const target = section ?? (fragment === "" ? SECTIONS.find((other) => view && other.available(view)) : undefined);
  if (view && target?.available(view)) open(target, { focus: true });
}

function readLinks() {
  readInvitationLink();
  readResetLink();
  readEmailLinks();
  readSsoLink();
}

session.onChange((change) => render(change));

$("logout").addEventListener("click", async (event) => {
  const logout = event.currentTarget;
  logout.disabled = true;
  await session.logout();
  logout.disabled = false;
});

window.addEventListener("hashchange", route);
render({ started: session.current() !== null }, { initial: true });
if (!sectionNamed(location.hash.slice(1))) readLinks();
