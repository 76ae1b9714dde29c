import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DomainError } from '../domain/errors.ts';
import { issueTypes, type IssueType } from '../domain/similarity/issues.ts';
import { aspectRatioOf } from '../domain/similarity/size-issues.ts';
import type { Item, User } from '../domain/types.ts';
import { snapDuplicateLevel } from '../domain/vql.ts';
import type { StoredCaption } from '../ports/enrichment-repo.ts';
import type { MediaListing, MediaRecord } from '../ports/store.ts';
import type { AppContext } from './context.ts';
import { visibleDataset } from './datasets.ts';

export const MEDIA_NOT_FOUND = 'Media not found';

/** What each issue's confidence is read from, named for the API's `reason`. */
export function issuesOf(r: MediaRecord): Array<{ issue_type: IssueType; confidence: number; reason: Record<string, unknown> }> {
  const s = r.scores;
  if (s === null) return [];
  const q = r.item.quality;
  const reasons: Record<IssueType, Record<string, unknown>> = {
    duplicates: { max_similarity: round(s.maxSimilarity), duplicate_group_id: s.dupGroup, duplicate_threshold: 0.96 },
    outliers: { mean_neighbour_distance: round(s.outlierScore), nearest_neighbour_cosine: round(s.nnCosine) },
    blur: { blur_score: roundOrNull(q?.blur), sharpness: roundOrNull(q?.sharpness), laplacian_variance: q ? round(q.blurVariance) : null },
    dark: { dark_score: roundOrNull(q?.dark), mean_brightness: q ? round(q.brightnessMean) : null, dark_fraction: q ? round(q.darkFraction) : null, highlight_level: q?.highlightLevel ?? null },
    bright: {
      bright_score: roundOrNull(q?.bright),
      mean_brightness: q ? round(q.brightnessMean) : null,
      bright_fraction: q ? round(q.brightFraction) : null,
      shadow_level: q?.shadowLevel ?? null,
      clipped_fraction: roundOrNull(q?.clippedFraction),
    },
    mislabels: { disagreeing_neighbours: s.issues.mislabels === null ? null : round(s.issues.mislabels) },
    low_information: { low_information_score: roundOrNull(q?.lowInformation), entropy_bits: roundOrNull(q?.entropy) },
    odd_aspect_ratio: { aspect_ratio: r.item.width && r.item.height ? round(aspectRatioOf(r.item.width, r.item.height)) : null, width: r.item.width, height: r.item.height },
    odd_size: { width: r.item.width, height: r.item.height },
    grayscale: { grayscale_score: roundOrNull(q?.grayscale), chroma: roundOrNull(q?.chroma) },
  };
  return issueTypes.flatMap((type) => {
    const confidence = s.issues[type];
    return confidence === null ? [] : [{ issue_type: type, confidence: round(confidence), reason: reasons[type] }];
  });
}

export const round = (x: number) => Math.round(x * 10_000) / 10_000;
const roundOrNull = (x: number | null | undefined) => (x == null ? null : round(x));

/** A media item as the media and explore APIs show it. */
export function mediaJson(datasetId: string, r: MediaRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { item, scores } = r;
  const base = `/api/v1/dataset/${datasetId}/media/${item.id}`;
  return {
    media_id: item.id,
    type: item.kind === 'video_frame' ? 'VIDEO_FRAME' : 'IMAGE',
    file_name: item.fileName,
    original_uri: item.originalUri,
    media_uri: `${base}/image`,
    media_thumb_uri: `${base}/thumbnail`,
    width: item.width,
    height: item.height,
    format: item.format,
    file_size: item.sizeBytes,
    labels: [],
    captions: [],
    uniqueness_score: scores ? round(scores.uniqueness) : null,
    cluster_id: scores ? clusterIdOf(0, scores.clusters[0]) : null,
    duplicate_group_id: scores?.dupGroup ?? null,
    issues: issuesOf(r),
    ...frameFields(item),
    ...extra,
  };
}

/** A video frame's video and place in it (absent for images), wherever the API shows a media item. */
const frameFields = (item: Item) => (item.kind === 'video_frame' ? { video_id: item.parentId, frame_index: item.frameIndex, frame_timestamp: item.frameTimestamp } : {});

/** A caption as a `metadata_items` entry, in media details and exports (SPEC §9), saying where it came from. */
export const captionItem = (c: StoredCaption) => ({ type: 'caption', properties: { caption: c.text, source: c.source } });

/** Cluster ids are unique across granularities, so a client can never mix two levels up. */
export const clusterIdOf = (granularity: number, clusterId: number): string => `${granularity}-${clusterId}`;

/** A cluster id as explore gives it ("granularity-id"), read back. */
export function parseClusterId(raw: string): { granularity: number; clusterId: number } {
  const match = /^([0-4])-(\d{1,9})$/.exec(raw);
  if (!match) throw new DomainError('UNPROCESSABLE', 'cluster_id must be a cluster id from explore, such as "0-12"');
  return { granularity: Number(match[1]), clusterId: Number(match[2]) };
}

interface Annotations {
  labels: string[];
  captions: StoredCaption[];
}

/**
 * What enrichment or the annotation files say of each record's item, in one query each: its
 * labels, most confident first, as label names (the values a `labels` filter takes); and its
 * caption.
 */
export async function annotationsOf(ctx: AppContext, datasetId: string, records: readonly MediaRecord[]): Promise<(r: MediaRecord) => Annotations> {
  const ids = records.map((r) => r.item.id);
  const [labels, captions] = await Promise.all([ctx.store.enrichment.labelsOfItems(datasetId, ids), ctx.store.enrichment.captionsOfItems(datasetId, ids)]);
  return (r) => {
    // A label both imported and found by a model is one label name.
    return { labels: [...new Set((labels.get(r.item.id) ?? []).map((l) => l.label))], captions: captions.get(r.item.id) ?? [] };
  };
}

/** Annotations as mediaJson's `labels` and `captions` (texts). */
export const annotationFields = (a: Annotations) => ({ labels: a.labels, captions: a.captions.map((c) => c.text) });

export async function listMedia(ctx: AppContext, user: User, datasetId: string, page: { number: number; size: number }, listing?: MediaListing) {
  await visibleDataset(ctx, user, datasetId);
  const { media, total } = await ctx.store.media.page(datasetId, page.number * page.size, page.size, listing);
  const annotations = await annotationsOf(ctx, datasetId, media);
  return { media: media.map((m) => mediaJson(datasetId, m, annotationFields(annotations(m)))), total };
}

async function visibleMedia(ctx: AppContext, user: User, datasetId: string, mediaId: string): Promise<MediaRecord> {
  await visibleDataset(ctx, user, datasetId);
  const record = await ctx.store.media.get(datasetId, mediaId);
  if (record === null) throw new DomainError('NOT_FOUND', MEDIA_NOT_FOUND);
  return record;
}

/** An item's scores as the media API and exports show them (null before they exist). */
export function scoresJson({ item, scores }: MediaRecord) {
  return {
    uniqueness: scores ? round(scores.uniqueness) : null,
    max_similarity: scores ? round(scores.maxSimilarity) : null,
    outlier: scores ? round(scores.outlierScore) : null,
    blur: item.quality?.blur ?? null,
    dark: item.quality?.dark ?? null,
    bright: item.quality?.bright ?? null,
    low_information: item.quality?.lowInformation ?? null,
    grayscale: item.quality?.grayscale ?? null,
  };
}

export async function getMedia(ctx: AppContext, user: User, datasetId: string, mediaId: string) {
  const record = await visibleMedia(ctx, user, datasetId, mediaId);
  const { item, scores } = record;
  const [annotations, objects] = await Promise.all([annotationsOf(ctx, datasetId, [record]), ctx.store.enrichment.objectsOfItems(datasetId, [item.id])]);
  const annotated = annotations(record);
  return {
    ...mediaJson(datasetId, record, annotationFields(annotated)),
    metadata_items: annotated.captions.map(captionItem),
    objects: (objects.get(item.id) ?? []).map((o) => ({ object_id: o.id, label: o.label, confidence: o.confidence, bounding_box: o.box })),
    scores: scoresJson(record),
    clusters: scores ? scores.clusters.map((c, g) => clusterIdOf(g, c)) : null,
    byte_hash: item.byteHash,
    phash: item.phash,
    exif: item.exif,
    created_at: item.createdAt,
  };
}

/** Ids of the media duplicating `mediaId` at the level `threshold` snaps up to (default 0.96). */
export async function duplicatesOf(ctx: AppContext, user: User, datasetId: string, mediaId: string, threshold: number): Promise<string[]> {
  await visibleMedia(ctx, user, datasetId, mediaId);
  return ctx.store.media.duplicateIds(datasetId, mediaId, snapDuplicateLevel(threshold));
}

const contentTypes: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  heif: 'image/heif',
  bmp: 'image/bmp',
  jp2: 'image/jp2',
};

/** The original bytes (or, for a video frame, the extracted frame) or the thumbnail, streamed. */
export async function mediaBytes(ctx: AppContext, user: User, datasetId: string, mediaId: string, which: 'image' | 'thumbnail') {
  const { item } = await visibleMedia(ctx, user, datasetId, mediaId);
  if (which === 'thumbnail') {
    const blob = item.thumbKey === null ? null : await ctx.blobs.read(item.thumbKey);
    if (blob === null) throw new DomainError('NOT_FOUND', 'Thumbnail not found');
    // The key's extension says which of the two thumbnail formats it is (pipeline/analyze.stage.ts).
    return { stream: blob.stream, size: blob.size, contentType: item.thumbKey!.endsWith('.jpg') ? 'image/jpeg' : 'image/webp' };
  }
  const type = item.kind === 'video_frame' ? 'image/jpeg' : (contentTypes[item.format ?? ''] ?? 'application/octet-stream');
  const file = await openOriginal(ctx, item);
  if ('unavailable' in file) throw new DomainError('NOT_FOUND', `The media file cannot be read from its source: ${file.unavailable}`);
  return { ...file, contentType: type };
}

/**
 * The item's original bytes (or, for a video frame, the extracted frame) as a stream, or why
 * they cannot be read from their source. Opened without blocking and checked before anyone
 * reads: the file may have been replaced since it was indexed, by a folder (a read error once
 * streaming has begun) or a FIFO (a read that never ends, holding a thread).
 */
export async function openOriginal(ctx: AppContext, item: Item): Promise<{ stream: Readable; size: number } | { unavailable: string }> {
  let file: { path: string; release(): Promise<void> };
  try {
    file = await ctx.sources.openLocation(item.location);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { unavailable: code === 'ENOENT' || code === 'ENOTDIR' ? 'the file is no longer there' : (err as Error).message };
  }
  const handle = await open(file.path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  const info = await handle?.stat();
  if (!handle || !info?.isFile()) {
    await handle?.close();
    await file.release();
    return { unavailable: handle ? 'it is no longer a file' : 'the file is no longer there' };
  }
  const stream: Readable = handle.createReadStream();
  stream.once('close', () => void file.release());
  return { stream, size: info.size };
}

/** Members listed per duplicate group; `size` still counts them all. */
const MEMBERS_PER_GROUP = 100;

/** Duplicate groups at the level `threshold` snaps up to, largest first, a page at a time. */
export async function duplicateGroups(ctx: AppContext, user: User, datasetId: string, q: { threshold: number; pageNumber: number; pageSize: number }) {
  await visibleDataset(ctx, user, datasetId);
  const level = snapDuplicateLevel(q.threshold);
  const { groups, total } = await ctx.store.media.duplicateGroups(datasetId, level, q.pageNumber * q.pageSize, q.pageSize, MEMBERS_PER_GROUP);
  return {
    groups: groups.map((g) => ({
      group_id: g.groupId,
      level,
      size: g.size,
      media: g.members.map(({ item }) => ({
        media_id: item.id,
        file_name: item.fileName,
        media_thumb_uri: `/api/v1/dataset/${datasetId}/media/${item.id}/thumbnail`,
        width: item.width,
        height: item.height,
        file_size: item.sizeBytes,
        ...frameFields(item),
      })),
    })),
    total,
    level,
  };
}
