/** The largest page `GET /platform/organizations` serves. In a module of its own, without the driver, like MEMBERS_PAGE_MAX. */
export const PLATFORM_PAGE_MAX = 100;
