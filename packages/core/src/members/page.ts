/** The largest page `GET /org/members` serves. In a module of its own, without the driver, like AUDIT_PAGE_MAX. */
export const MEMBERS_PAGE_MAX = 100;
