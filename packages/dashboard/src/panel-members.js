// Members and invitations. What each row offers follows the token's scopes: `members:manage`
// (invite, change the roles of and remove admins and members) and `owners:manage` (the owner role).
import { api, everyPage } from "./api.js";
import {
  $,
  act,
  button,
  clear,
  closeQuestions,
  confirmInline,
  onSubmit,
  paragraph,
  show,
  showError,
  time,
} from "./dom.js";
import * as session from "./session.js";

const ROLES = ["owner", "admin", "member"];

/** The `next_cursor` of the last page of members shown. */
let membersCursor;

export const membersSection = {
  id: "members",
  available: (view) => !view.mfaEnrollmentRequired,

  open(view) {
    const manages = session.can("members:manage");
    $("manage").hidden = !manages;
    $("invite-owner").disabled = !session.can("owners:manage");
    $("leave").hidden = !session.can("profile:write");
    $("manage-hint").hidden = manages;
    $("manage-hint").textContent = `Your role, ${view.role}, does not include inviting people or changing roles.`;
    loadMembers().catch((error) => showError(undefined, $("members-result"), error));
    if (manages) loadInvitations().catch((error) => showError(undefined, $("invitations-result"), error));
  },

  close() {
    closeQuestions($("members"));
  },

  clear() {
    membersCursor = undefined;
    closeQuestions($("members"));
    $("members-list").replaceChildren();
    $("members-more").hidden = true;
    $("invitations").replaceChildren();
    $("invite").reset();
    delete $("invite-result").dataset.invitationId;
    clear("members-result", "invitations-result", "invite-result");
  },
};

/** Whether the page offers to change or remove a member of role `target`; the server decides again. */
const mayManage = (target) => session.can(target === "owner" ? "owners:manage" : "members:manage");

/** The first page of members, or the next one appended (`more`). */
async function loadMembers(more = false) {
  const view = session.current();
  if (!view) return;
  const query = more && membersCursor ? `?${new URLSearchParams({ cursor: membersCursor })}` : "";
  const page = await api("GET", `org/members${query}`, { auth: true });
  if (!session.isCurrent(view)) return;
  const rows = page.members.map((member) => memberRow(member, view));
  if (more) $("members-list").append(...rows);
  else $("members-list").replaceChildren(...rows);
  membersCursor = page.next_cursor;
  $("members-more").hidden = !membersCursor;
}

function memberRow(member, view) {
  const self = member.user_id === view.userId;
  const row = document.createElement("tr");
  const email = document.createElement("th");
  email.scope = "row";
  email.textContent = member.email;
  if (self) {
    const you = document.createElement("span");
    you.className = "hint";
    you.textContent = "(you)";
    email.append(" ", you);
  }
  const role = document.createElement("td");
  role.textContent = member.role;
  const joined = document.createElement("td");
  joined.append(time(member.joined_at));
  const actions = document.createElement("td");
  if (mayManage(member.role)) {
    const controls = document.createElement("div");
    controls.className = "actions";
    const id = `member-role-${member.user_id}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = "visually-hidden";
    label.textContent = `New role of ${member.email}`;
    const select = document.createElement("select");
    select.id = id;
    for (const value of ROLES) {
      const option = new Option(value, value, false, value === member.role);
      option.disabled = value === "owner" && !session.can("owners:manage");
      select.append(option);
    }
    const change = button("Change role", { label: `Change role of ${member.email}` });
    change.addEventListener("click", () => act(change, $("members-result"), () => changeRole(member, select.value)));
    controls.append(label, select, change);
    if (!self) {
      const remove = button("Remove", { label: `Remove ${member.email}`, className: "danger" });
      remove.addEventListener("click", () =>
        confirmInline(remove, `Remove ${member.email} from the organization?`, "Yes, remove", () =>
          act(remove, $("members-result"), () => removeMember(member)),
        ),
      );
      controls.append(remove);
    }
    actions.append(controls);
  }
  row.append(email, role, joined, actions);
  return row;
}

async function changeRole(member, role) {
  if (role === member.role) throw new Error(`${member.email} is ${role} already.`);
  const updated = await api("PUT", `org/members/${encodeURIComponent(member.user_id)}`, {
    auth: true,
    body: { role },
  });
  if (updated.user_id === session.current()?.userId) {
    // A role change revokes the member's tokens, this session's included.
    session.end(`Your role is now ${updated.role}. Sign in again to continue.`);
    return [];
  }
  await loadMembers();
  return [paragraph(`${updated.email} is now ${updated.role}.`)];
}

async function removeMember(member) {
  await api("DELETE", `org/members/${encodeURIComponent(member.user_id)}`, { auth: true });
  await loadMembers();
  return [paragraph(`Removed ${member.email}.`)];
}

$("members-more").addEventListener("click", (event) =>
  act(event.currentTarget, $("members-result"), () => loadMembers(true)),
);
$("members-reload").addEventListener("click", (event) =>
  act(event.currentTarget, $("members-result"), async () => {
    await loadMembers();
    if (session.can("members:manage")) await loadInvitations();
    return [];
  }),
);
$("leave").addEventListener("click", (event) => {
  const leave = event.currentTarget;
  const { organizationName, userId } = session.current();
  confirmInline(
    leave,
    `Leave ${organizationName}? If it is your only organization, your account is deleted.`,
    "Yes, leave",
    () =>
      act(leave, $("members-result"), async () => {
        await api("DELETE", `org/members/${encodeURIComponent(userId)}`, { auth: true });
        session.end(`You left ${organizationName}. You are signed out.`);
        return [];
      }),
  );
});

// --- invitations ---------------------------------------------------------------------------------------

async function loadInvitations() {
  const view = session.current();
  const invitations = await everyPage("org/invitations", "invitations");
  if (!session.isCurrent(view)) return;
  $("invitations").replaceChildren(...invitations.map(invitationItem));
  $("invitations-none").hidden = invitations.length > 0;
}

function invitationItem(invitation) {
  const item = document.createElement("li");
  const expires = time(invitation.expires_at, (date) => date.toLocaleString());
  const revoke = button("Revoke", { label: `Revoke the invitation of ${invitation.email}` });
  revoke.addEventListener("click", () =>
    act(revoke, $("invitations-result"), async () => {
      await api("DELETE", `org/invitations/${encodeURIComponent(invitation.invitation_id)}`, { auth: true });
      // Its link, if still shown, no longer works.
      if ($("invite-result").dataset.invitationId === invitation.invitation_id) show($("invite-result"), []);
      await loadInvitations();
      return [paragraph(`Revoked the invitation of ${invitation.email}.`)];
    }),
  );
  item.append(`${invitation.email} as ${invitation.role}, expires `, expires, " ", revoke);
  return item;
}

onSubmit("invite", async (fields, form) => {
  const invitation = await api("POST", "org/invitations", { auth: true, body: fields });
  form.reset();
  $("invite-result").dataset.invitationId = invitation.invitation_id;
  await loadInvitations().catch((error) => showError(undefined, $("invitations-result"), error));
  const expires = new Date(invitation.expires_at).toLocaleString();
  const invited = `Invited ${invitation.email} as ${invitation.role}`;
  // Where the service sends mail, the link goes to the invitee's mailbox alone: accepting proves it.
  if (!invitation.accept_url) {
    const sent = invitation.mail_sent
      ? "the link is mailed to them, and to nobody else"
      : "the mail could not be sent: revoke the invitation and invite again";
    return [paragraph(`${invited}; ${sent}. It works once and expires ${expires}.`)];
  }
  const label = document.createElement("label");
  label.htmlFor = "invite-link";
  label.textContent = "Accept link";
  const link = document.createElement("input");
  link.id = "invite-link";
  link.readOnly = true;
  link.value = invitation.accept_url;
  link.addEventListener("focus", () => link.select());
  const sent = invitation.mail_sent ? "the link is mailed to them" : "no mail went out, so send them the link";
  const nodes = [paragraph(`${invited}; ${sent}. It works once and expires ${expires}.`), label, link];
  if (navigator.clipboard) {
    const copy = button("Copy link");
    const copied = document.createElement("span");
    copy.addEventListener("click", () =>
      navigator.clipboard.writeText(link.value).then(
        () => {
          copied.textContent = " Copied.";
        },
        () => {
          copied.textContent = " Could not copy: select the link and copy it.";
        },
      ),
    );
    nodes.push(copy, copied);
  }
  return nodes;
});
