import { isBrowsable } from '../domain/dataset-status.ts';
import { DomainError } from '../domain/errors.ts';
import type { EntityType } from '../domain/entities.ts';
import type { Dataset, User } from '../domain/types.ts';
import { parseVql, type VqlFilter } from '../domain/vql.ts';
import type { MediaRecord } from '../ports/store.ts';
import type { VectorSpace } from '../ports/similarity-repo.ts';
import type { AppContext } from './context.ts';
import { visibleDataset } from './datasets.ts';
import { annotationFields, annotationsOf, clusterIdOf, mediaJson } from './media.ts';

export const CLUSTERS_PER_PAGE = 100;
const PREVIEWS_PER_CLUSTER = 10;
/** A cluster's labels shown: its most frequent ones. */
const LABELS_PER_CLUSTER = 10;
/** Similarity search looks this deep at most (page_number × 100 beyond it is empty). */
const MAX_SIMILAR = 10_000;

export interface ExploreQuery {
  entityType: 'IMAGES' | 'OBJECTS';
  threshold: number;
  pageNumber: number;
  anchorMediaId?: string;
  anchorType?: 'MEDIA' | 'UPLOAD';
  vql?: string;
  labels?: string;
  /** Text-to-image search: rank by similarity to this text (MULTIMODEL_IMAGE_ENCODING). */
  caption?: string;
  /** With `caption`: keep only results at least this cosine-similar to the text. */
  textualSimilarityThreshold?: number;
}

/**
 * GET /api/v1/explore/{id} (SPEC §7): the dataset's clusters at a granularity, biggest first,
 * each with previews; or, with an anchor or a text (`caption`, or a semantic VQL text), the
 * media nearest to it, one per result, ranked by cosine distance. VQL filters (and `labels`)
 * narrow all of them.
 */
export async function explore(ctx: AppContext, user: User, datasetId: string, q: ExploreQuery) {
  requireBrowsable(await visibleDataset(ctx, user, datasetId));
  const all = filtersOf(q);
  // A semantic VQL text filter is a text search, as `caption` is; the other filters narrow it.
  const semantic = all.filter((f) => f.kind === 'text' && f.op === 'semantic').map((f) => (f as { value: string }).value);
  const filters = all.filter((f) => !(f.kind === 'text' && f.op === 'semantic'));
  const texts = [...(q.caption === undefined ? [] : [q.caption]), ...semantic];
  const metadata = { dataset_id: datasetId, entity_type: q.entityType, threshold: q.threshold, page_number: q.pageNumber, page_size: CLUSTERS_PER_PAGE };
  if (texts.length > 0) {
    if (texts.length > 1 || q.anchorMediaId !== undefined) throw new DomainError('UNPROCESSABLE', 'Search by one thing at a time: a caption, a semantic VQL text, or an anchor');
    return textSearch(ctx, datasetId, q, texts[0]!, filters, metadata);
  }
  if (q.textualSimilarityThreshold !== undefined) throw new DomainError('UNPROCESSABLE', 'textual_similarity_threshold needs caption');
  if (q.anchorMediaId !== undefined) {
    const { vector, model } = await anchorVector(ctx, user, datasetId, q);
    const anchor = { anchor_media_id: q.anchorMediaId, anchor_type: q.anchorType ?? 'MEDIA' };
    return rankedResults(ctx, datasetId, q, filters, { ...metadata, ...anchor }, { vector, model, space: 'visual', minSimilarity: null });
  }
  if (q.anchorType !== undefined) throw new DomainError('UNPROCESSABLE', 'anchor_type needs anchor_media_id');

  // Objects (from enrichment) are clustered apart from images; a dataset without any has none.
  const entity = q.entityType;
  const { clusters, total } = await ctx.store.media.clusters(datasetId, q.threshold, filters, q.pageNumber * CLUSTERS_PER_PAGE, CLUSTERS_PER_PAGE, entity);
  const ids = clusters.map((c) => c.clusterId);
  const [previews, bytes, labels] = await Promise.all([
    ctx.store.media.clusterPreviews(datasetId, q.threshold, ids, filters, PREVIEWS_PER_CLUSTER, entity),
    ctx.store.media.clusterBytes(datasetId, q.threshold, ids, filters, entity),
    ctx.store.media.clusterLabels(datasetId, q.threshold, ids, filters, LABELS_PER_CLUSTER, entity),
  ]);
  const preview = await previewsOf(ctx, datasetId, entity, [...previews.values()].flat());
  return {
    clusters: clusters.map((c) =>
      clusterJson(q.threshold, entity, {
        cluster_id: clusterIdOf(q.threshold, c.clusterId),
        ...(entity === 'OBJECTS' ? { n_images: 0, n_objects: c.size } : { n_images: c.nImages }),
        n_videos: c.nVideos,
        n_frames: c.nFrames,
        size_display_value: sizeDisplayValue(bytes.get(c.clusterId) ?? 0),
        relevance_score: null,
        relevance_score_type: null,
        formed_by: 'connected_components',
        labels: labels.get(c.clusterId) ?? null,
        previews: (previews.get(c.clusterId) ?? []).map((m) => previewJson(preview(m))),
      }),
    ),
    metadata: { ...metadata, total_clusters: total },
  };
}

/**
 * A cluster as explore shows it: `fields` over what a cluster may lack (objects, labels, tags,
 * captions), null as in Visual Layer's responses.
 */
function clusterJson(threshold: number, entity: EntityType, fields: Record<string, unknown>): Record<string, unknown> {
  return { type: entity, n_objects: 0, similarity_threshold: String(threshold), labels: null, user_tags: null, captions: null, ...fields };
}

/**
 * A preview as Visual Layer's explore gives it: the media fields, image_id and image_uri (the
 * image itself, or the one an object was found in), caption, bounding_box (objects only),
 * relevance_score_type and user_tags; lists with nothing in them are null there.
 */
function previewJson(media: Record<string, unknown>): Record<string, unknown> {
  const labels = media.labels as unknown[];
  const captions = media.captions as unknown[];
  return {
    ...media,
    labels: labels.length > 0 ? labels : null,
    image_id: media.image_id ?? media.media_id,
    image_uri: media.media_uri,
    caption: captions.length > 0 ? captions[0] : null,
    bounding_box: media.bounding_box ?? null,
    relevance_score_type: media.relevance_score === undefined ? null : 'cosine_distance',
    user_tags: null,
  };
}

/** A cluster's bytes as Visual Layer writes them: whole units of 1024, no space ("0B", "12MB"). */
export function sizeDisplayValue(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.round(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value)}${units[unit]}`;
}

/** Explore and search read the indexed content: none before indexing ends (409, as Visual Layer answers). */
export function requireBrowsable(dataset: Dataset): void {
  if (!isBrowsable(dataset.status)) {
    throw new DomainError('CONFLICT', `Dataset is ${dataset.status}: it can be explored and searched once indexed (READY, PARTIAL INDEX, READ ONLY or ERROR)`);
  }
}

/**
 * How explore shows each record: an image or frame with its labels; an object with its box,
 * label and confidence, its bytes and thumbnail those of the image it was found in.
 */
async function previewsOf(ctx: AppContext, datasetId: string, entity: EntityType, records: readonly MediaRecord[]): Promise<(r: MediaRecord, extra?: Record<string, unknown>) => Record<string, unknown>> {
  if (entity === 'IMAGES') {
    const annotations = await annotationsOf(ctx, datasetId, records);
    return (r, extra = {}) => mediaJson(datasetId, r, { ...annotationFields(annotations(r)), ...extra });
  }
  const objects = await ctx.store.enrichment.objectsByIds(datasetId, records.map((r) => r.item.id));
  return (r, extra = {}) => {
    const o = objects.get(r.item.id);
    const image = `/api/v1/dataset/${datasetId}/media/${r.item.parentId}`;
    return mediaJson(datasetId, r, {
      type: 'OBJECT',
      media_uri: `${image}/image`,
      media_thumb_uri: `${image}/thumbnail`,
      image_id: r.item.parentId,
      labels: o ? [o.label] : [],
      ...(o && { bounding_box: o.box, confidence: o.confidence }),
      ...extra,
    });
  };
}

function filtersOf(q: ExploreQuery): VqlFilter[] {
  const filters = parseVql(q.vql);
  if (q.labels !== undefined && q.labels.trim() !== '') {
    let labels: unknown = q.labels;
    try {
      labels = JSON.parse(q.labels);
    } catch {
      labels = q.labels.split(',').map((l) => l.trim());
    }
    filters.push(...parseVql(JSON.stringify([{ labels: { op: 'one_of', value: Array.isArray(labels) ? labels : [labels] } }]), ['query', 'labels']));
  }
  return filters;
}

/** The anchor's vector and the model that made it. An uploaded anchor serves only its creator. */
async function anchorVector(ctx: AppContext, user: User, datasetId: string, q: ExploreQuery): Promise<{ vector: Float32Array; model: string }> {
  const missing = () => new DomainError('NOT_FOUND', `Anchor ${q.anchorMediaId} not found`);
  if ((q.anchorType ?? 'MEDIA') === 'UPLOAD') {
    const anchor = await ctx.store.similarity.getAnchor(q.anchorMediaId!);
    if (anchor === null || anchor.datasetId !== datasetId || anchor.createdBy !== user.id) throw missing();
    return anchor;
  }
  // An image, frame or object of the dataset: any of them can anchor a search of either entity.
  const media = (await ctx.store.media.get(datasetId, q.anchorMediaId!)) ?? (await ctx.store.media.get(datasetId, q.anchorMediaId!, 'OBJECTS'));
  const embedding = media === null ? null : await ctx.store.similarity.embeddingOf(media.item.id);
  if (embedding === null) throw missing();
  return embedding;
}

/**
 * Text-to-image search: the text through the configured CLIP text tower, ranked against the
 * dataset's text-aligned index (made by enrichment with MULTIMODEL_IMAGE_ENCODING).
 */
async function textSearch(ctx: AppContext, datasetId: string, q: ExploreQuery, text: string, filters: VqlFilter[], metadata: Record<string, unknown>) {
  const encoder = ctx.textEncoder;
  if (encoder === null) {
    throw new DomainError(
      'UNPROCESSABLE',
      'Text-to-image search needs a MULTIMODEL_IMAGE_ENCODING model, and none is configured (the operator sets STRATA_CLIP_IMAGE_ONNX, STRATA_CLIP_TEXT_ONNX and the tokenizer files)',
    );
  }
  if ((await ctx.store.similarity.vectorIndex(datasetId, q.entityType, 'text')) === null) {
    throw new DomainError('CONFLICT', `The dataset has no text-aligned index of its ${q.entityType.toLowerCase()}: enrich it with MULTIMODEL_IMAGE_ENCODING (strata_multimodal_encoder_v00) to search it by text`);
  }
  const [vector] = await encoder.encode([text]);
  const search = { vector: vector!, model: encoder.model, space: 'text' as const, minSimilarity: q.textualSimilarityThreshold ?? null };
  return rankedResults(ctx, datasetId, q, filters, { ...metadata, caption: text, textual_similarity_threshold: search.minSimilarity }, search);
}

/** The media nearest to a vector, one result per item, ranked by cosine distance (filters and a minimum similarity narrow them). */
async function rankedResults(
  ctx: AppContext,
  datasetId: string,
  q: ExploreQuery,
  filters: VqlFilter[],
  metadata: Record<string, unknown>,
  search: { vector: Float32Array; model: string; space: VectorSpace; minSimilarity: number | null },
) {
  const { vector, model } = search;
  const want = Math.min(MAX_SIMILAR, (q.pageNumber + 1) * CLUSTERS_PER_PAGE);
  // Filters drop some hits: look deeper than the page so that it still fills when they do.
  const entity = q.entityType;
  const narrowed = filters.length > 0 || search.minSimilarity !== null;
  const { hits: found, indexSize } = await ctx.vectorSearch.nearest(datasetId, model, vector, narrowed ? MAX_SIMILAR : want, entity, search.space);
  const hits = search.minSimilarity === null ? found : found.filter((h) => 1 - h.distance >= search.minSimilarity! - 1e-6);
  const keep = filters.length > 0 ? await ctx.store.media.matching(datasetId, hits.map((h) => h.itemId), filters, entity) : null;
  const ranked = keep === null ? hits : hits.filter((h) => keep.has(h.itemId));
  const page = ranked.slice(q.pageNumber * CLUSTERS_PER_PAGE, (q.pageNumber + 1) * CLUSTERS_PER_PAGE);
  const pageRecords = await ctx.store.media.byIds(datasetId, page.map((h) => h.itemId), entity);
  const records = new Map(pageRecords.map((r): [string, MediaRecord] => [r.item.id, r]));
  const preview = await previewsOf(ctx, datasetId, entity, pageRecords);
  const clusters = page.flatMap((h) => {
    const r = records.get(h.itemId);
    if (r === undefined) return [];
    const relevance = Math.round(h.distance * 1e6) / 1e6;
    const shown = previewJson(preview(r, { relevance_score: relevance }));
    return [
      clusterJson(q.threshold, entity, {
        cluster_id: `similar-${h.itemId}`,
        n_images: r.item.kind === 'image' ? 1 : 0,
        n_objects: r.item.kind === 'object' ? 1 : 0,
        n_videos: 0,
        n_frames: r.item.kind === 'video_frame' ? 1 : 0,
        size_display_value: sizeDisplayValue(r.item.sizeBytes ?? 0),
        relevance_score: relevance,
        relevance_score_type: 'cosine_distance',
        formed_by: 'similarity_search',
        labels: shown.labels,
        previews: [shown],
      }),
    ];
  });
  // Unnarrowed, every indexed item is a result: the total is the index's size (up to the cap),
  // not the hits fetched so far, which grow with the page asked for. A search that comes back
  // short of what it was asked has found all it can (the graph search may leave an item of the
  // index unreached): then its hits are the total.
  const size = Math.min(MAX_SIMILAR, indexSize);
  const total = narrowed || found.length < Math.min(want, size) ? ranked.length : size;
  return {
    clusters,
    metadata: { ...metadata, total_clusters: total },
  };
}
