import { setImmediate } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { entityKinds, objectIdBase, type EntityType } from '../../domain/entities.ts';
import type { ItemKind, Quality } from '../../domain/types.ts';
import type { EmbeddingPage, SimilarityRepo } from '../../ports/similarity-repo.ts';
import { chunkRows, type DialectHelpers } from '../dialect.ts';
import type { DB } from '../schema.ts';
import { embeddingRow, vectorBytes, vectorOf } from './items.repo.ts';
import { visibleGeneration } from './result-generation.ts';

const entityTypes = Object.keys(entityKinds) as EntityType[];
/** Score rows (or an item's duplicate rows, or clusters) one statement removes from a hidden generation. */
const DELETE_BATCH = 5000;

const indexTable = {
  visual: { IMAGES: 'vector_indexes', OBJECTS: 'object_vector_indexes' },
  text: { IMAGES: 'text_vector_indexes', OBJECTS: 'text_object_vector_indexes' },
} as const;

export function similarityRepo(db: Kysely<DB>, d: DialectHelpers): SimilarityRepo {
  /** Embedded, indexed items of a dataset with vectors of `model`. */
  const embeddedItems = (datasetId: string, model: string) =>
    db
      .selectFrom('embeddings as e')
      .innerJoin('items as i', 'i.id', 'e.item_id')
      .select(['e.seq', 'e.item_id', 'e.vector', 'e.copy_descriptor', 'i.kind', 'i.parent_id', 'i.byte_hash', 'i.phash', 'i.quality', 'i.width', 'i.height'])
      .where('e.dataset_id', '=', datasetId)
      .where('e.model', '=', model)
      .where('i.state', '=', 'done');

  /**
   * Removes the results of every generation but the visible one (a finished write's old ones,
   * or an unfinished write's), a batch of rows at a time with a turn for other work between:
   * on SQLite one statement deleting a million rows would hold the event loop for a minute.
   */
  async function deleteHiddenResults(datasetId: string): Promise<void> {
    const tables = [
      ['item_scores', ['item_id']],
      ['duplicate_members', ['item_id']],
      ['clusters', ['granularity', 'cluster_id']],
    ] as const;
    const any = db as Kysely<any>;
    for (const [table, key] of tables) {
      // Two ranges of the (dataset, generation) index prefix, where "not the visible one" would scan it all.
      for (const side of ['<', '>'] as const) {
        const hidden = any.selectFrom(table).select([...key]).where('dataset_id', '=', datasetId).where('generation', side, visibleGeneration(db, datasetId)).limit(DELETE_BATCH);
        for (;;) {
          const { numDeletedRows } = await any
            .deleteFrom(table)
            .where('dataset_id', '=', datasetId)
            .where('generation', side, visibleGeneration(db, datasetId))
            .where((eb) => (key.length === 1 ? eb(key[0], 'in', hidden) : eb(eb.refTuple(key[0], key[1]!), 'in', hidden)))
            .executeTakeFirstOrThrow();
          if (numDeletedRows === 0n) break;
          await setImmediate();
        }
      }
    }
  }

  return {
    async itemsToEmbed(datasetId, model, afterId, limit) {
      return db
        .selectFrom('items as i')
        .leftJoin('embeddings as e', (j) => j.onRef('e.item_id', '=', 'i.id').on('e.model', '=', model))
        .select(['i.id', 'i.location'])
        .where('i.dataset_id', '=', datasetId)
        .where('i.state', '=', 'done')
        .where('i.kind', 'in', ['image', 'video_frame'])
        .where('e.item_id', 'is', null)
        .where('i.id', '>', afterId)
        .orderBy('i.id')
        .limit(limit)
        .execute();
    },

    async replaceEmbedding(itemId, datasetId, embedding) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('embeddings').where('item_id', '=', itemId).execute();
        await trx.insertInto('embeddings').values(embeddingRow(itemId, datasetId, embedding)).execute();
      });
    },

    async embeddingPage(datasetId, model, afterSeq, limit, entity, taskId) {
      let q = embeddedItems(datasetId, model).where('e.seq', '>', afterSeq).where('i.kind', 'in', entityKinds[entity]);
      if (taskId !== undefined) q = q.where('i.task_id', '=', taskId);
      return toEmbeddingPage(await q.orderBy('e.seq').limit(limit).execute());
    },

    async embeddingsOfSeqs(datasetId, model, seqs) {
      const rows = [];
      for (let i = 0; i < seqs.length; i += 1000) rows.push(...(await embeddedItems(datasetId, model).where('e.seq', 'in', seqs.slice(i, i + 1000)).execute()));
      return toEmbeddingPage(rows);
    },

    async itemsWithByteHashes(datasetId, hashes) {
      const out: Array<{ itemId: string; byteHash: string }> = [];
      for (let i = 0; i < hashes.length; i += 1000) {
        const rows = await db
          .selectFrom('items')
          .select(['id', 'byte_hash'])
          .where('dataset_id', '=', datasetId)
          .where('state', '=', 'done')
          .where('kind', 'in', ['image', 'video_frame'])
          .where('byte_hash', 'in', hashes.slice(i, i + 1000))
          .orderBy('id')
          .execute();
        for (const r of rows) out.push({ itemId: r.id, byteHash: r.byte_hash! });
      }
      return out;
    },

    async nextDuplicateGroupId(datasetId) {
      // Below the objects' ids: the groups merged here are images'.
      const r = await db
        .selectFrom('duplicate_members')
        .select((eb) => eb.fn.max('group_id').as('max'))
        .where('dataset_id', '=', datasetId)
        .where('generation', '=', visibleGeneration(db, datasetId))
        .where('group_id', '<', objectIdBase)
        .executeTakeFirst();
      return r?.max === null || r?.max === undefined ? 0 : Number(r.max) + 1;
    },

    async mergeDuplicateGroups(datasetId, merge) {
      await db.transaction().execute(async (trx) => {
        const { results_generation: generation } = await trx.selectFrom('datasets').select('results_generation').where('id', '=', datasetId).executeTakeFirstOrThrow();
        for (const r of merge.relabels) {
          await trx
            .updateTable('duplicate_members')
            .set({ group_id: r.to })
            .where('dataset_id', '=', datasetId)
            .where('generation', '=', generation)
            .where('level', '=', r.level)
            .where('group_id', '=', r.from)
            .execute();
        }
        const values = merge.members.map((m) => ({ dataset_id: datasetId, generation, level: m.level, group_id: m.groupId, item_id: m.itemId }));
        for (const chunk of chunkRows(d, values)) {
          await trx
            .insertInto('duplicate_members')
            .values(chunk)
            .onConflict((oc) => oc.columns(['item_id', 'level', 'generation']).doUpdateSet((eb) => ({ group_id: eb.ref('excluded.group_id') })))
            .execute();
        }
      });
    },

    async startResults(datasetId) {
      await deleteHiddenResults(datasetId);
      const { results_generation: visible } = await db.selectFrom('datasets').select('results_generation').where('id', '=', datasetId).executeTakeFirstOrThrow();
      return visible + 1;
    },

    async publishResults(datasetId, generation) {
      await db.updateTable('datasets').set({ results_generation: generation }).where('id', '=', datasetId).execute();
      await deleteHiddenResults(datasetId);
    },

    async insertScores(datasetId, generation, rows) {
      // Only indexed (`done`) items keep scores, each with its entity type: the ranked listing
      // is read off the score indexes alone, never probing items for their state or kind, and
      // `done` is final (an item leaves it only by being deleted, which deletes its scores).
      const entityOf = new Map<string, EntityType>();
      for (let i = 0; i < rows.length; i += 1000) {
        const ids = rows.slice(i, i + 1000).map((r) => r.itemId);
        const done = await db.selectFrom('items').select(['id', 'kind']).where('id', 'in', ids).where('dataset_id', '=', datasetId).where('state', '=', 'done').execute();
        for (const item of done) {
          const entity = entityTypes.find((e) => entityKinds[e].includes(item.kind as ItemKind));
          if (entity !== undefined) entityOf.set(item.id, entity);
        }
      }
      const values = rows.flatMap((r) => {
        const entity = entityOf.get(r.itemId);
        if (entity === undefined) return [];
        return [
          {
            item_id: r.itemId,
            dataset_id: datasetId,
            generation,
            entity_type: entity,
            uniqueness: r.uniqueness,
            max_similarity: r.maxSimilarity,
            nn_cosine: r.nnCosine,
            outlier_score: r.outlierScore,
            issue_duplicates: r.issues.duplicates,
            issue_outliers: r.issues.outliers,
            issue_blur: r.issues.blur,
            issue_dark: r.issues.dark,
            issue_bright: r.issues.bright,
            issue_low_information: r.issues.low_information,
            issue_odd_aspect_ratio: r.issues.odd_aspect_ratio,
            issue_odd_size: r.issues.odd_size,
            issue_grayscale: r.issues.grayscale,
            issue_mislabels: r.issues.mislabels,
            dup_group: r.dupGroup,
            cluster_0: r.clusters[0],
            cluster_1: r.clusters[1],
            cluster_2: r.clusters[2],
            cluster_3: r.clusters[3],
            cluster_4: r.clusters[4],
          },
        ];
      });
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(d, values)) await trx.insertInto('item_scores').values(chunk).execute();
      });
    },

    async insertDuplicateMembers(datasetId, generation, rows) {
      const values = rows.map((r) => ({ dataset_id: datasetId, generation, level: r.level, group_id: r.groupId, item_id: r.itemId }));
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(d, values)) await trx.insertInto('duplicate_members').values(chunk).execute();
      });
    },

    async insertClusters(datasetId, generation, rows, entity) {
      const values = rows.map((r) => ({
        dataset_id: datasetId,
        generation,
        entity_type: entity,
        granularity: r.granularity,
        cluster_id: r.clusterId,
        rank: r.rank,
        size: r.size,
        n_images: r.nImages,
        n_frames: r.nFrames,
        n_videos: r.nVideos,
      }));
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(d, values)) await trx.insertInto('clusters').values(chunk).execute();
      });
    },

    async setVectorIndex(r, entity, space = 'visual') {
      const row = {
        dataset_id: r.datasetId,
        blob_key: r.blobKey,
        model: r.model,
        dimension: r.dimension,
        size: r.size,
        built_at: r.builtAt,
        file_bytes: r.file?.bytes ?? null,
        file_sha256: r.file?.sha256 ?? null,
      };
      await db
        .insertInto(indexTable[space][entity])
        .values(row)
        .onConflict((oc) => oc.column('dataset_id').doUpdateSet({ blob_key: row.blob_key, model: row.model, dimension: row.dimension, size: row.size, built_at: row.built_at, file_bytes: row.file_bytes, file_sha256: row.file_sha256 }))
        .execute();
    },

    async vectorIndex(datasetId, entity, space = 'visual') {
      const r = await db.selectFrom(indexTable[space][entity]).selectAll().where('dataset_id', '=', datasetId).executeTakeFirst();
      if (!r) return null;
      const file = r.file_bytes === null || r.file_sha256 === null ? null : { bytes: Number(r.file_bytes), sha256: r.file_sha256 };
      return { datasetId: r.dataset_id, blobKey: r.blob_key, model: r.model, dimension: Number(r.dimension), size: Number(r.size), builtAt: r.built_at, file };
    },

    async itemIdsOfSeqs(datasetId, seqs) {
      const out = new Map<number, string>();
      for (let i = 0; i < seqs.length; i += 1000) {
        const rows = await db
          .selectFrom('embeddings')
          .select(['seq', 'item_id'])
          .where('dataset_id', '=', datasetId)
          .where('seq', 'in', seqs.slice(i, i + 1000))
          .execute();
        for (const r of rows) out.set(Number(r.seq), r.item_id);
      }
      return out;
    },

    async embeddingOf(itemId) {
      const r = await db.selectFrom('embeddings').select(['model', 'vector']).where('item_id', '=', itemId).executeTakeFirst();
      return r ? { model: r.model, vector: vectorOf(r.vector) } : null;
    },

    async createAnchor(a, limits) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('anchors')
          .values({ id: a.id, dataset_id: a.datasetId, model: a.model, vector: vectorBytes(a.vector), file_name: a.fileName, created_by: a.createdBy, created_at: a.createdAt })
          .execute();
        const keep = trx.selectFrom('anchors').select('id').where('created_by', '=', a.createdBy).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limits.keepPerUser);
        await trx.deleteFrom('anchors').where('created_by', '=', a.createdBy).where('id', 'not in', keep).execute();
        await trx.deleteFrom('anchors').where('created_at', '<', limits.expireBefore).execute();
      });
    },

    async getAnchor(id) {
      const r = await db.selectFrom('anchors').selectAll().where('id', '=', id).executeTakeFirst();
      return r
        ? { id: r.id, datasetId: r.dataset_id, model: r.model, vector: vectorOf(r.vector), fileName: r.file_name, createdBy: r.created_by, createdAt: r.created_at }
        : null;
    },
  };
}


interface EmbeddedRow {
  seq: number | string | bigint;
  item_id: string;
  vector: Uint8Array;
  copy_descriptor: Uint8Array;
  kind: string;
  parent_id: string | null;
  byte_hash: string | null;
  phash: string | null;
  quality: string | null;
  width: number | null;
  height: number | null;
}

function toEmbeddingPage(rows: readonly EmbeddedRow[]): EmbeddingPage {
  const dimension = rows.length > 0 ? rows[0]!.vector.byteLength / 4 : 0;
  const vectors = new Float32Array(rows.length * dimension);
  rows.forEach((r, i) => vectors.set(vectorOf(r.vector), i * dimension));
  return {
    dimension,
    vectors,
    copyDescriptors: rows.map((r) => new Uint8Array(r.copy_descriptor)),
    items: rows.map((r) => ({
      seq: Number(r.seq),
      itemId: r.item_id,
      kind: r.kind as ItemKind,
      parentId: r.parent_id,
      byteHash: r.byte_hash,
      phash: r.phash,
      quality: r.quality === null ? null : (JSON.parse(r.quality) as Quality),
      width: r.width,
      height: r.height,
    })),
  };
}
