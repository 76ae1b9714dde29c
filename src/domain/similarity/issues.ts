/**
 * The issue types of SPEC §5 (mislabels needs labels, which enrichment brings), then the other
 * per-image checks users know from CleanVision.
 */
export const issueTypes = [
  'duplicates',
  'outliers',
  'blur',
  'dark',
  'bright',
  'mislabels',
  'low_information',
  'odd_aspect_ratio',
  'odd_size',
  'grayscale',
] as const;
export type IssueType = (typeof issueTypes)[number];

/**
 * What a media listing can rank by, highest first: every issue's confidence and the uniqueness
 * score. The API's `issue` parameter and the web UI's Issues tab both read this list.
 */
export const rankedScores = ['blur', 'dark', 'bright', 'outliers', 'duplicates', 'mislabels', 'low_information', 'odd_aspect_ratio', 'odd_size', 'grayscale', 'uniqueness'] as const;
export type RankedScore = (typeof rankedScores)[number];

/** An issue of one item as the API shows it: how sure, and the figure behind it. */
export interface Issue {
  type: IssueType;
  confidence: number;
  /** What was measured, e.g. { max_similarity: 0.97, duplicate_group_id: 3 }. */
  reason: Record<string, number | string | null>;
}

/** A quality score (0 … 1) is an issue from `threshold` on, with the score as its confidence. */
export function qualityIssue(score: number, threshold: number): number | null {
  return score >= threshold ? score : null;
}

/** 0 at `from`, 1 at `to`, linear between, clamped; works for falling ramps (from > to). */
export function ramp(value: number, from: number, to: number): number {
  return Math.min(1, Math.max(0, (value - from) / (to - from)));
}
