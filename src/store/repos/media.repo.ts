import { sql, type Kysely, type Selectable } from 'kysely';
import { entityKinds, objectIdBase, type EntityType } from '../../domain/entities.ts';
import type { MediaSelection } from '../../domain/export.ts';
import type { IssueType, RankedScore } from '../../domain/similarity/issues.ts';
import type { VqlFilter } from '../../domain/vql.ts';
import type { MediaRecord, MediaRepo } from '../../ports/store.ts';
import type { DB, ItemScoresTable, ItemsTable } from '../schema.ts';
import { byItem } from './by-item.ts';
import { clusterColumn, filterCondition, issueColumns, selectionCondition, type EB } from './media-filters.ts';
import { toItem } from './items.repo.ts';
import { visibleGeneration } from './result-generation.ts';

type Row = Selectable<ItemsTable> & { [K in keyof ItemScoresTable as `s_${K}`]: ItemScoresTable[K] | null };

/** The column each ranked listing sorts on: every issue's confidence, and the uniqueness score. */
const rankedColumns: Record<RankedScore, 's.uniqueness' | (typeof issueColumns)[IssueType]> = { ...issueColumns, uniqueness: 's.uniqueness' };

function toRecord(r: Row): MediaRecord {
  const item = toItem(r);
  if (r.s_item_id === null) return { item, scores: null };
  return {
    item,
    scores: {
      uniqueness: r.s_uniqueness!,
      maxSimilarity: r.s_max_similarity!,
      nnCosine: r.s_nn_cosine!,
      outlierScore: r.s_outlier_score!,
      issues: {
        duplicates: r.s_issue_duplicates,
        outliers: r.s_issue_outliers,
        blur: r.s_issue_blur,
        dark: r.s_issue_dark,
        bright: r.s_issue_bright,
        mislabels: r.s_issue_mislabels,
        low_information: r.s_issue_low_information,
        odd_aspect_ratio: r.s_issue_odd_aspect_ratio,
        odd_size: r.s_issue_odd_size,
        grayscale: r.s_issue_grayscale,
      },
      dupGroup: r.s_dup_group,
      clusters: [r.s_cluster_0!, r.s_cluster_1!, r.s_cluster_2!, r.s_cluster_3!, r.s_cluster_4!],
    },
  };
}

/**
 * The media listing's order (the items_listing index): by file name, so a folder reads as it
 * does on disk; then by creation, so the frames of two videos of one name stay apart; then a
 * video's frames in order. Ids break the remaining ties.
 */
const listingOrder = sql`i.file_name, i.created_at, i.frame_index, i.id`;


export function mediaRepo(db: Kysely<DB>): MediaRepo {
  const base = (datasetId: string, entity: EntityType = 'IMAGES') =>
    db
      .selectFrom('items as i')
      .leftJoin('item_scores as s', (j) => j.onRef('s.item_id', '=', 'i.id').on('s.generation', '=', visibleGeneration(db, datasetId)))
      .where('i.dataset_id', '=', datasetId)
      .where('i.state', '=', 'done')
      .where('i.kind', 'in', entityKinds[entity]);

  const withFilters = (datasetId: string, filters: readonly VqlFilter[], entity?: EntityType) =>
    base(datasetId, entity).where((eb) => eb.and(filters.map((f) => filterCondition(eb as unknown as EB, f))));

  // The members of a page of clusters, read off the scores' cluster index (dataset id, cluster)
  // and each joined to its item by id. From the items' side SQLite walks every item of the
  // dataset (a covering index of the items looks cheaper to it): CROSS JOIN makes SQLite keep
  // the order written (PostgreSQL plans it as any inner join), and the items are constrained
  // by id alone (the scores' dataset is theirs) so that each is one probe of its key.
  const inClusters = (datasetId: string, granularity: number, clusterIds: readonly number[], filters: readonly VqlFilter[], entity: EntityType = 'IMAGES') =>
    db
      .selectFrom('item_scores as s')
      .crossJoin('items as i')
      .whereRef('i.id', '=', 's.item_id')
      .where('s.dataset_id', '=', datasetId)
      .where('s.generation', '=', visibleGeneration(db, datasetId))
      .where(clusterColumn(granularity), 'in', clusterIds)
      .where('i.state', '=', 'done')
      .where('i.kind', 'in', entityKinds[entity])
      .where((eb) => eb.and(filters.map((f) => filterCondition(eb as unknown as EB, f))));

  const selectedIn = (datasetId: string, selection: MediaSelection | null, entity?: EntityType) =>
    selection === null ? base(datasetId, entity) : base(datasetId, entity).where((eb) => selectionCondition(eb as unknown as EB, selection));

  const records = (datasetId: string, selection: MediaSelection | null = null, entity?: EntityType) =>
    selectedIn(datasetId, selection, entity)
      .selectAll('i')
      .select([
        's.item_id as s_item_id', 's.uniqueness as s_uniqueness', 's.max_similarity as s_max_similarity', 's.nn_cosine as s_nn_cosine',
        's.outlier_score as s_outlier_score', 's.issue_duplicates as s_issue_duplicates', 's.issue_outliers as s_issue_outliers',
        's.issue_blur as s_issue_blur', 's.issue_dark as s_issue_dark', 's.issue_bright as s_issue_bright', 's.dup_group as s_dup_group',
        's.issue_low_information as s_issue_low_information', 's.issue_odd_aspect_ratio as s_issue_odd_aspect_ratio',
        's.issue_odd_size as s_issue_odd_size', 's.issue_grayscale as s_issue_grayscale', 's.issue_mislabels as s_issue_mislabels',
        's.cluster_0 as s_cluster_0', 's.cluster_1 as s_cluster_1', 's.cluster_2 as s_cluster_2', 's.cluster_3 as s_cluster_3', 's.cluster_4 as s_cluster_4',
      ]);

  return {
    async page(datasetId, offset, limit, listing) {
      let rows;
      let total;
      if (listing?.kind === 'ranked') {
        // Counted and paged off the item_scores_ranked_* index alone (dataset, entity type,
        // score, id): score rows exist for indexed items only and carry their entity type, so
        // no item row is read but the page's own records.
        const col = rankedColumns[listing.by];
        // Levels and scores are float32-rounded when stored: a small tolerance keeps 0.5 at 0.5.
        const scored = db
          .selectFrom('item_scores as s')
          .where('s.dataset_id', '=', datasetId)
          .where('s.entity_type', '=', 'IMAGES')
          .where('s.generation', '=', visibleGeneration(db, datasetId))
          .where(col, '>=', listing.min - 1e-6);
        const n = Number((await scored.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        // A page past the middle is read off the index from its far end, backwards, so that
        // the last page skips as few entries as the first (an OFFSET walks every entry it skips).
        let ids: Array<{ item_id: string }> = [];
        if (offset * 2 <= n) {
          ids = await scored.select('s.item_id').orderBy(col, 'desc').orderBy('s.item_id').offset(offset).limit(limit).execute();
        } else if (offset < n) {
          const rows = Math.min(limit, n - offset);
          ids = (await scored.select('s.item_id').orderBy(col, 'asc').orderBy('s.item_id', 'desc').offset(n - offset - rows).limit(rows).execute()).reverse();
        }
        return { media: await this.byIds(datasetId, ids.map((r) => r.item_id)), total: n };
      } else if (listing) {
        const where = <Q extends ReturnType<typeof base>>(q: Q) => q.where(clusterColumn(listing.granularity), '=', listing.clusterId) as Q;
        rows = await where(records(datasetId)).orderBy(listingOrder).offset(offset).limit(limit).execute();
        total = await where(base(datasetId)).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      } else {
        // The whole dataset in order: ids are read and skipped off the items_listing index
        // alone (no scores joined, no sort), then only the page's records are read.
        const items = db.selectFrom('items as i').where('i.dataset_id', '=', datasetId).where('i.state', '=', 'done').where('i.kind', 'in', entityKinds.IMAGES);
        const ids = await items.select('i.id').orderBy(listingOrder).offset(offset).limit(limit).execute();
        total = await items.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return { media: await this.byIds(datasetId, ids.map((r) => r.id)), total: Number(total.n) };
      }
      return { media: rows.map((r) => toRecord(r as Row)), total: Number(total.n) };
    },

    async get(datasetId, itemId, entity) {
      const r = await records(datasetId, null, entity).where('i.id', '=', itemId).executeTakeFirst();
      return r ? toRecord(r as Row) : null;
    },

    async byIds(datasetId, ids, entity) {
      if (ids.length === 0) return [];
      const rows = await records(datasetId, null, entity).where('i.id', 'in', ids).execute();
      const byId = new Map(rows.map((r) => [r.id, toRecord(r as Row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async duplicateIds(datasetId, itemId, level) {
      const rows = await db
        .selectFrom('duplicate_members as me')
        .innerJoin('duplicate_members as other', (j) =>
          j
            .onRef('other.dataset_id', '=', 'me.dataset_id')
            .onRef('other.generation', '=', 'me.generation')
            .onRef('other.level', '=', 'me.level')
            .onRef('other.group_id', '=', 'me.group_id'),
        )
        .select('other.item_id')
        .where('me.item_id', '=', itemId)
        .where('me.dataset_id', '=', datasetId)
        .where('me.generation', '=', visibleGeneration(db, datasetId))
        .where('me.level', '=', level)
        .where('other.item_id', '!=', itemId)
        .orderBy('other.item_id')
        .execute();
      return rows.map((r) => r.item_id);
    },

    async duplicateGroups(datasetId, level, offset, limit, perGroup) {
      const atLevel = db
        .selectFrom('duplicate_members')
        .where('dataset_id', '=', datasetId)
        .where('generation', '=', visibleGeneration(db, datasetId))
        .where('level', '=', level)
        .where('group_id', '<', objectIdBase);
      const rows = await atLevel
        .select(['group_id', (eb) => eb.fn.countAll<number>().as('size')])
        .groupBy('group_id')
        .orderBy('size', 'desc')
        .orderBy('group_id')
        .offset(offset)
        .limit(limit)
        .execute();
      const total = await atLevel.select((eb) => eb.fn.count<number>('group_id').distinct().as('n')).executeTakeFirstOrThrow();
      if (rows.length === 0) return { groups: [], total: Number(total.n) };
      const ranked = atLevel
        .where('group_id', 'in', rows.map((r) => r.group_id))
        .select(['item_id', 'group_id', sql<number>`row_number() over (partition by group_id order by item_id)`.as('rn')]);
      const picked = await db.selectFrom(ranked.as('r')).select(['r.item_id', 'r.group_id']).where('r.rn', '<=', perGroup).orderBy('r.group_id').orderBy('r.rn').execute();
      const groupOf = new Map(picked.map((p) => [p.item_id, p.group_id]));
      const members = new Map<number, MediaRecord[]>(rows.map((r) => [r.group_id, []]));
      // byIds keeps the (group, id) order it is given.
      for (const record of await this.byIds(datasetId, picked.map((p) => p.item_id))) members.get(groupOf.get(record.item.id)!)!.push(record);
      return { total: Number(total.n), groups: rows.map((r) => ({ groupId: r.group_id, size: Number(r.size), members: members.get(r.group_id)! })) };
    },

    async clusters(datasetId, granularity, filters, offset, limit, entity = 'IMAGES') {
      if (filters.length === 0) {
        const rows = await db
          .selectFrom('clusters')
          .selectAll()
          .where('dataset_id', '=', datasetId)
          .where('generation', '=', visibleGeneration(db, datasetId))
          .where('granularity', '=', granularity)
          .where('entity_type', '=', entity)
          .orderBy('rank')
          .offset(offset)
          .limit(limit)
          .execute();
        const total = await db
          .selectFrom('clusters')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('dataset_id', '=', datasetId)
          .where('generation', '=', visibleGeneration(db, datasetId))
          .where('granularity', '=', granularity)
          .where('entity_type', '=', entity)
          .executeTakeFirstOrThrow();
        return {
          total: Number(total.n),
          clusters: rows.map((r) => ({ granularity, clusterId: r.cluster_id, rank: r.rank, size: r.size, nImages: r.n_images, nFrames: r.n_frames, nVideos: r.n_videos })),
        };
      }
      const col = clusterColumn(granularity);
      const grouped = withFilters(datasetId, filters, entity)
        .where(col, 'is not', null)
        .select([`${col} as cluster_id`, (eb) => eb.fn.countAll<number>().as('size'), (eb) => eb.fn.sum<number>(sql`case when i.kind = 'video_frame' then 1 else 0 end`).as('frames'), (eb) => eb.fn.count<number>('i.parent_id').distinct().as('videos')])
        .groupBy(col);
      const rows = await db
        .selectFrom(grouped.as('g'))
        .selectAll()
        .orderBy('size', 'desc')
        .orderBy('cluster_id')
        .offset(offset)
        .limit(limit)
        .execute();
      const total = await db.selectFrom(grouped.as('g')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return {
        total: Number(total.n),
        clusters: rows.map((r, i) => ({
          granularity,
          clusterId: Number(r.cluster_id),
          rank: offset + i,
          size: Number(r.size),
          nImages: Number(r.size) - Number(r.frames),
          nFrames: Number(r.frames),
          nVideos: Number(r.videos),
        })),
      };
    },

    async clusterPreviews(datasetId, granularity, clusterIds, filters, perCluster, entity) {
      const out = new Map<number, MediaRecord[]>();
      if (clusterIds.length === 0) return out;
      const col = clusterColumn(granularity);
      const ranked = inClusters(datasetId, granularity, clusterIds, filters, entity)
        .select(['i.id as id', `${col} as cluster_id`, sql<number>`row_number() over (partition by ${sql.ref(col)} order by ${listingOrder})`.as('rn')]);
      // In (cluster, media order) order; byIds keeps the order it is given.
      const picked = await db.selectFrom(ranked.as('r')).select(['r.id', 'r.cluster_id']).where('r.rn', '<=', perCluster).orderBy('r.cluster_id').orderBy('r.rn').execute();
      const records = await this.byIds(datasetId, picked.map((p) => p.id), entity);
      const clusterOf = new Map(picked.map((p) => [p.id, Number(p.cluster_id)]));
      for (const r of records) {
        const c = clusterOf.get(r.item.id)!;
        const list = out.get(c);
        if (list) list.push(r);
        else out.set(c, [r]);
      }
      return out;
    },

    async clusterBytes(datasetId, granularity, clusterIds, filters, entity = 'IMAGES') {
      if (clusterIds.length === 0) return new Map();
      const col = clusterColumn(granularity);
      // An object's bytes are its image's: the objects of one image in a cluster count its file
      // once (DISTINCT on the image). An image or frame is its own file, with nothing to dedupe.
      const members = inClusters(datasetId, granularity, clusterIds, filters, entity).select([`${col} as cluster_id`, 'i.size_bytes as size_bytes']);
      const files = entity === 'OBJECTS' ? members.select('i.parent_id').distinct() : members;
      const rows = await db
        .selectFrom(files.as('f'))
        .select(['f.cluster_id', (eb) => eb.fn.sum<number>(eb.fn.coalesce('f.size_bytes', sql<number>`0`)).as('bytes')])
        .groupBy('f.cluster_id')
        .execute();
      return new Map(rows.map((r) => [Number(r.cluster_id), Number(r.bytes)]));
    },

    async clusterLabels(datasetId, granularity, clusterIds, filters, perCluster, entity = 'IMAGES') {
      if (clusterIds.length === 0) return new Map();
      const col = clusterColumn(granularity);
      // An image's labels (tagging or annotations, one row per source), or an object's own.
      const members = inClusters(datasetId, granularity, clusterIds, filters, entity);
      const labelled =
        entity === 'OBJECTS'
          ? members.innerJoin('objects as l', 'l.id', 'i.id')
          : members.innerJoin('image_labels as l', (j) => j.onRef('l.item_id', '=', 'i.id').on('l.dataset_id', '=', datasetId));
      const counted = labelled
        .select([`${col} as cluster_id`, 'l.label as label', (eb) => eb.fn.count<number>('i.id').distinct().as('n')])
        .groupBy([col, 'l.label']);
      const ranked = db
        .selectFrom(counted.as('c'))
        .select(['c.cluster_id', 'c.label', sql<number>`row_number() over (partition by c.cluster_id order by c.n desc, c.label)`.as('rn')]);
      const rows = await db.selectFrom(ranked.as('r')).select(['r.cluster_id', 'r.label']).where('r.rn', '<=', perCluster).orderBy('r.cluster_id').orderBy('r.rn').execute();
      const out = new Map<number, string[]>();
      for (const r of rows) {
        const list = out.get(Number(r.cluster_id));
        if (list) list.push(r.label);
        else out.set(Number(r.cluster_id), [r.label]);
      }
      return out;
    },

    async matching(datasetId, ids, filters, entity) {
      if (ids.length === 0) return new Set();
      const rows = await withFilters(datasetId, filters, entity).select('i.id').where('i.id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },

    async selected(datasetId, selection, afterId, limit) {
      const rows = await records(datasetId, selection).where('i.id', '>', afterId).orderBy('i.id').limit(limit).execute();
      return rows.map((r) => toRecord(r as Row));
    },

    async countSelected(datasetId, selection) {
      const r = await selectedIn(datasetId, selection).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async groupsOfItems(datasetId, itemIds) {
      if (itemIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('duplicate_members')
        .select(['item_id', 'level', 'group_id'])
        .where('dataset_id', '=', datasetId)
        .where('generation', '=', visibleGeneration(db, datasetId))
        .where('item_id', 'in', itemIds)
        .orderBy('item_id')
        .orderBy('level')
        .execute();
      return byItem(rows, (r) => ({ level: Number(r.level), groupId: Number(r.group_id) }));
    },
  };
}
