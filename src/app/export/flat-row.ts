import { duplicateLevels } from '../../domain/similarity/levels.ts';
import { issueTypes } from '../../domain/similarity/issues.ts';
import { clusterIdOf, issuesOf, scoresJson } from '../media.ts';
import type { ExportItem } from './export-items.ts';
import { labelProperties, objectProperties } from './metadata.ts';

/**
 * metadata.parquet and the scan's CSV: one row per item, one column per fact (README "Export
 * formats" documents each). Types are parquet's; every column but media_id may be null.
 */
export type FlatType = 'STRING' | 'INT32' | 'INT64' | 'DOUBLE';

const levelColumn = (level: number) => `duplicate_group_${String(level).replace('.', '_')}`;
/** Every issue's confidence; mislabels, added later, last, so that the other columns keep their places. */
const reportedIssues = [...issueTypes.filter((t) => t !== 'mislabels'), 'mislabels' as const];

export const flatColumns: ReadonlyArray<{ name: string; type: FlatType }> = [
  { name: 'media_id', type: 'STRING' },
  { name: 'media_type', type: 'STRING' },
  { name: 'file_name', type: 'STRING' },
  { name: 'file_path', type: 'STRING' },
  { name: 'file_size', type: 'INT64' },
  { name: 'width', type: 'INT32' },
  { name: 'height', type: 'INT32' },
  { name: 'format', type: 'STRING' },
  { name: 'url', type: 'STRING' },
  { name: 'image_path', type: 'STRING' },
  { name: 'issues', type: 'STRING' },
  ...reportedIssues.map((t) => ({ name: `issue_${t}`, type: 'DOUBLE' as const })),
  { name: 'uniqueness_score', type: 'DOUBLE' },
  { name: 'max_similarity', type: 'DOUBLE' },
  { name: 'outlier_score', type: 'DOUBLE' },
  { name: 'blur_score', type: 'DOUBLE' },
  { name: 'dark_score', type: 'DOUBLE' },
  { name: 'bright_score', type: 'DOUBLE' },
  ...[0, 1, 2, 3, 4].map((g) => ({ name: `cluster_${g}`, type: 'STRING' as const })),
  ...duplicateLevels.map((l) => ({ name: levelColumn(l), type: 'INT32' as const })),
  { name: 'video_id', type: 'STRING' },
  { name: 'frame_index', type: 'INT32' },
  { name: 'frame_timestamp', type: 'DOUBLE' },
  { name: 'labels', type: 'STRING' },
  { name: 'objects', type: 'STRING' },
  { name: 'caption', type: 'STRING' },
];

export type FlatRow = Record<string, string | number | bigint | null>;

export function flatRowOf(x: ExportItem): FlatRow {
  const { item, scores } = x.record;
  const issues = issuesOf(x.record);
  const s = scoresJson(x.record);
  const confidence = new Map(issues.map((i) => [i.issue_type, i.confidence]));
  const groups = new Map(x.duplicateGroups.map((g) => [g.level, g.groupId]));
  return {
    media_id: item.id,
    media_type: item.kind,
    file_name: item.fileName,
    file_path: item.originalUri,
    file_size: item.sizeBytes === null ? null : BigInt(item.sizeBytes),
    width: item.width,
    height: item.height,
    format: item.format,
    url: `/api/v1/dataset/${item.datasetId}/media/${item.id}/image`,
    image_path: x.imagePath,
    // Most confident first, so a spreadsheet reader sees the main problem at once.
    issues: [...issues].sort((a, b) => b.confidence - a.confidence).map((i) => i.issue_type).join(',') || null,
    ...Object.fromEntries(reportedIssues.map((t) => [`issue_${t}`, confidence.get(t) ?? null])),
    uniqueness_score: s.uniqueness,
    max_similarity: s.max_similarity,
    outlier_score: s.outlier,
    blur_score: s.blur,
    dark_score: s.dark,
    bright_score: s.bright,
    ...Object.fromEntries([0, 1, 2, 3, 4].map((g) => [`cluster_${g}`, scores ? clusterIdOf(g, scores.clusters[g]!) : null])),
    ...Object.fromEntries(duplicateLevels.map((l) => [levelColumn(l), groups.get(l) ?? null])),
    video_id: item.kind === 'video_frame' ? item.parentId : null,
    frame_index: item.frameIndex,
    frame_timestamp: item.frameTimestamp,
    // JSON arrays of metadata.json's image_label and object_label properties: one column each,
    // whatever the number of labels and boxes, readable by any parquet or CSV reader.
    labels: x.labels.length === 0 ? null : JSON.stringify(x.labels.map(labelProperties)),
    objects: x.objects.length === 0 ? null : JSON.stringify(x.objects.map(objectProperties)),
    caption: x.captions[0]?.text ?? null,
  };
}
