/** The largest page `GET /org/invitations` serves. In a module of its own, without the driver, like MEMBERS_PAGE_MAX. */
export const INVITATIONS_PAGE_MAX = 100;
