import type { ExportItem } from '../app/export/export-items.ts';
import { issuesOf } from '../app/media.ts';
import { issueTypes, type IssueType } from '../domain/similarity/issues.ts';
import { duplicateLevels } from '../domain/similarity/levels.ts';
import { outlierConfidenceAtZ } from '../domain/similarity/scores.ts';

/** An item as the report shows it. */
export interface ReportItem {
  mediaId: string;
  fileName: string;
  originalUri: string;
  width: number | null;
  height: number | null;
  sizeBytes: number | null;
  thumbKey: string | null;
}

export interface ReportIssue {
  item: ReportItem;
  type: string;
  confidence: number;
  reason: Record<string, unknown>;
}

/** What a scan found, gathered a page of items at a time. */
export interface ScanFindings {
  images: number;
  frames: number;
  videos: number;
  /** Per level: how many groups, and how many items are in one. */
  duplicates: Array<{ level: number; groups: number; items: number }>;
  /** Items with each issue (outliers: from outlierConfidenceAtZ, the candidates apart). */
  issueCounts: Record<IssueType, number>;
  /** Outlier issues below outlierConfidenceAtZ: the most isolated items, not isolated enough to be outliers. */
  outlierCandidates: number;
  /** Duplicate groups at the lowest level (0.96), biggest first. */
  groups: ReportItem[][];
  /** Outliers and candidates, most confident first. */
  outliers: ReportIssue[];
  /** Every issue of every item, most confident first. */
  issues: ReportIssue[];
}

const reportItem = (x: ExportItem): ReportItem => {
  const { item } = x.record;
  return { mediaId: item.id, fileName: item.fileName, originalUri: item.originalUri, width: item.width, height: item.height, sizeBytes: item.sizeBytes, thumbKey: item.thumbKey };
};

export function createFindings() {
  let images = 0;
  let frames = 0;
  const videos = new Set<string>();
  const perLevel = new Map<number, Map<number, number>>(duplicateLevels.map((l) => [l, new Map()]));
  const lowestGroups = new Map<number, ReportItem[]>();
  const issues: ReportIssue[] = [];
  const issueCounts = Object.fromEntries(issueTypes.map((t) => [t, 0])) as Record<IssueType, number>;
  let outlierCandidates = 0;

  return {
    add(page: readonly ExportItem[]): void {
      for (const x of page) {
        const { item } = x.record;
        if (item.kind === 'video_frame') {
          frames++;
          if (item.parentId !== null) videos.add(item.parentId);
        } else images++;
        const shown = reportItem(x);
        for (const g of x.duplicateGroups) {
          const sizes = perLevel.get(g.level);
          sizes?.set(g.groupId, (sizes.get(g.groupId) ?? 0) + 1);
          if (g.level === duplicateLevels[0]) lowestGroups.set(g.groupId, [...(lowestGroups.get(g.groupId) ?? []), shown]);
        }
        for (const i of issuesOf(x.record)) {
          if (i.issue_type === 'outliers' && i.confidence < outlierConfidenceAtZ) outlierCandidates++;
          else issueCounts[i.issue_type]++;
          issues.push({ item: shown, type: i.issue_type, confidence: i.confidence, reason: i.reason });
        }
      }
    },
    result(): ScanFindings {
      const byConfidence = (a: ReportIssue, b: ReportIssue) => b.confidence - a.confidence || a.item.fileName.localeCompare(b.item.fileName);
      issues.sort(byConfidence);
      return {
        images,
        frames,
        videos: videos.size,
        duplicates: duplicateLevels.map((level) => {
          const sizes = [...perLevel.get(level)!.values()];
          return { level, groups: sizes.length, items: sizes.reduce((a, b) => a + b, 0) };
        }),
        issueCounts,
        outlierCandidates,
        groups: [...lowestGroups.values()].sort((a, b) => b.length - a.length),
        outliers: issues.filter((i) => i.type === 'outliers'),
        issues,
      };
    },
  };
}
