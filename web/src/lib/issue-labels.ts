import type { IssueKind } from './routes.ts';

/** What the Issues tab and the Overview call each issue view. */
export const issueLabels: Record<IssueKind, string> = {
  blur: 'Blurry',
  dark: 'Dark',
  bright: 'Bright',
  outliers: 'Outliers',
  mislabels: 'Mislabels',
  low_information: 'Low information',
  odd_aspect_ratio: 'Odd aspect ratio',
  odd_size: 'Odd size',
  grayscale: 'Grayscale',
  uniqueness: 'Unique',
};
