/**
 * How many numbers of a feed share a `page`: a reader's query asks for one page by equality, so it
 * reads at most this many events whatever the feed's length.
 */
export const EVENTS_PER_PAGE = 100;
