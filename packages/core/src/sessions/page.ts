/** The largest page `GET /me/sessions` serves. In a module of its own, without the driver, like MEMBERS_PAGE_MAX. */
export const SESSIONS_PAGE_MAX = 100;
