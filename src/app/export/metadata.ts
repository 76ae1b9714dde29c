import type { StoredLabel, StoredObject } from '../../ports/enrichment-repo.ts';
import type { ExportItem } from './export-items.ts';
import { captionItem, clusterIdOf, issuesOf, round, scoresJson } from '../media.ts';

export const METADATA_SCHEMA_VERSION = '1.1';

/** The `info` header of metadata.json (SPEC §9). */
export interface ExportInfo {
  schema_version: string;
  dataset: string;
  description: string;
  dataset_url: string;
  export_time: string;
  dataset_creation_time: string;
  exported_by: string;
  total_media_items: number;
}

/** An image label as every export writes it (metadata.json's `image_label`, the flat `labels` column). */
export const labelProperties = (l: StoredLabel) => ({ category_name: l.label, confidence: l.confidence, source: l.source });

/** An object as every export writes it (metadata.json's `object_label`, the flat `objects` column); bbox in pixels. */
export const objectProperties = (o: StoredObject) => ({
  object_id: o.id,
  category_name: o.label,
  confidence: o.confidence,
  bbox: [o.box.x, o.box.y, o.box.width, o.box.height],
  source: o.source,
});

const mediaUrl = (datasetId: string, mediaId: string) => `/api/v1/dataset/${datasetId}/media/${mediaId}`;

/** One item of metadata.json's `media_items`: SPEC §9's fields, then Strata's additions. */
export function metadataItemJson(x: ExportItem): Record<string, unknown> {
  const { item, scores } = x.record;
  const issues = issuesOf(x.record).map(({ issue_type, confidence, reason }) => ({
    type: 'issue',
    properties: {
      issue_type,
      confidence,
      ...reason,
      ...(issue_type === 'duplicates' && { duplicate_groups: duplicateGroupsJson(x) }),
    },
  }));
  const video =
    item.kind === 'video_frame'
      ? [{ type: 'video_info', properties: { video_id: item.parentId, video_file_name: item.fileName, frame_index: item.frameIndex, frame_timestamp: item.frameTimestamp } }]
      : [];
  const labels = x.labels.map((l) => ({ type: 'image_label', properties: labelProperties(l) }));
  const objects = x.objects.map((o) => ({ type: 'object_label', properties: objectProperties(o) }));
  return {
    media_id: item.id,
    media_type: item.kind,
    file_name: item.fileName,
    file_path: item.originalUri,
    file_size: item.sizeBytes,
    caption: x.captions[0]?.text ?? null,
    height: item.height,
    width: item.width,
    url: `${mediaUrl(item.datasetId, item.id)}/image`,
    cluster_id: scores ? clusterIdOf(0, scores.clusters[0]) : null,
    uniqueness_score: scores ? round(scores.uniqueness) : null,
    metadata_items: [...issues, ...labels, ...objects, ...x.captions.map(captionItem), ...video],
    thumbnail_url: `${mediaUrl(item.datasetId, item.id)}/thumbnail`,
    format: item.format,
    image_path: x.imagePath,
    clusters: scores ? scores.clusters.map((c, g) => clusterIdOf(g, c)) : null,
    duplicate_groups: duplicateGroupsJson(x),
    scores: scoresJson(x.record),
  };
}

function duplicateGroupsJson(x: ExportItem): Array<{ duplicate_threshold: number; duplicate_group_id: number }> {
  return x.duplicateGroups.map((g) => ({ duplicate_threshold: g.level, duplicate_group_id: g.groupId }));
}
