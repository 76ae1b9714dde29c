import type { Media, RankedScore } from './types.ts';

/** The figure a media listing ranked by `by` sorts on: the issue's confidence, or the uniqueness score (null when it has none). */
export const rankedScoreOf = (m: Pick<Media, 'issues' | 'uniqueness_score'>, by: RankedScore): number | null =>
  by === 'uniqueness' ? m.uniqueness_score : (m.issues.find((i) => i.issue_type === by)?.confidence ?? null);
