/** The typed Strata client (the package's `strata/client` export). Runs in Node and browsers. */
export { StrataClient, type StrataClientOptions } from './client.ts';
export { tokenSource, type StrataAuth } from './auth.ts';
export { describeDetail, StrataApiError, withoutApiHint } from './errors.ts';
export { endpoints, type EndpointName } from './endpoints.ts';
export { SETTLED_STATUSES, type WaitOptions } from './wait.ts';
export { formatVideoTime, mediaName } from './media-name.ts';
export { rankedScoreOf } from './ranked-score.ts';
export type * from './types.ts';
export { rankedScores } from '../domain/similarity/issues.ts';
