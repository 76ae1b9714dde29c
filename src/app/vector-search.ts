import type { Logger } from 'pino';
import type { EntityType } from '../domain/entities.ts';
import { DomainError } from '../domain/errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Store } from '../ports/store.ts';
import type { VectorIndexRecord, VectorSpace } from '../ports/similarity-repo.ts';
import type { VectorIndex, VectorIndexBackend } from '../ports/vector-index.ts';
import { embeddingPages, openSavedIndex } from '../pipeline/saved-index.ts';
import { textVectorPages } from '../pipeline/text-index.ts';

export interface VectorHit {
  itemId: string;
  /** Cosine distance: 0 = same direction; lower is closer (SPEC §7's relevance_score). */
  distance: number;
}

export interface VectorSearch {
  /**
   * The `k` items nearest to `vector` (embedded by `model`) in the dataset's index (of its
   * images, or with `entity` OBJECTS of its objects; of their text-aligned vectors with `space`
   * text), nearest first, with the index's size; no hits (size 0) before the dataset has an
   * index. A CONFLICT when the index holds another model's vectors: distances between two
   * models' vectors mean nothing.
   */
  nearest(datasetId: string, model: string, vector: Float32Array, k: number, entity?: EntityType, space?: VectorSpace): Promise<{ hits: VectorHit[]; indexSize: number }>;
  close(): Promise<void>;
}

interface Open {
  builtAt: string;
  index: Promise<VectorIndex>;
}

/**
 * Serves similarity search from each dataset's saved index (written to the blob store by the
 * similarity stage), so any process — an API process on another machine included — answers from
 * the same index. An index is loaded on first use and kept while it is current; a newer build
 * (its record's builtAt changed) is loaded on the next search. At most `maxOpen` stay open, the
 * least recently used closed first. A damaged saved file is not loaded: the index is built
 * in memory from the stored embeddings instead, until the next build saves a sound file.
 */
export function createVectorSearch(deps: { store: Store; blobs: BlobStore; vectors: VectorIndexBackend; logger: Logger; maxOpen?: number }): VectorSearch {
  const open = new Map<string, Open>();
  const maxOpen = deps.maxOpen ?? 4;

  const release = (entry: Open): Promise<void> => entry.index.then((i) => i.close()).catch(() => {});

  async function indexOf(key: string, record: VectorIndexRecord, entity: EntityType, space: VectorSpace): Promise<VectorIndex> {
    const { builtAt } = record;
    const cached = open.get(key);
    if (cached && cached.builtAt === builtAt) {
      open.delete(key);
      open.set(key, cached); // most recently used last
      return cached.index;
    }
    if (cached) void release(cached);
    const entry: Open = { builtAt, index: load(record, entity, space) };
    open.set(key, entry);
    entry.index.catch(() => open.get(key) === entry && open.delete(key));
    while (open.size > maxOpen) {
      const [oldest, value] = open.entries().next().value as [string, Open];
      open.delete(oldest);
      void release(value);
    }
    return entry.index;
  }

  async function load(record: VectorIndexRecord, entity: EntityType, space: VectorSpace): Promise<VectorIndex> {
    return (await openSavedIndex(deps, record)) ?? (await buildInMemory(record, entity, space));
  }

  async function buildInMemory(record: VectorIndexRecord, entity: EntityType, space: VectorSpace): Promise<VectorIndex> {
    const index = await deps.vectors.create(record.dimension);
    try {
      if (space === 'text') {
        for await (const page of textVectorPages(deps, record.datasetId, entity)) await index.add(page.seqs, page.vectors);
      } else {
        for await (const page of embeddingPages(deps, record.datasetId, record.model, entity)) await index.add(page.items.map((i) => i.seq), page.vectors);
      }
    } catch (err) {
      await index.close();
      throw err;
    }
    deps.logger.warn({ datasetId: record.datasetId, entity, space, size: await index.size() }, 'searching an index built from the stored embeddings in place of the damaged saved one');
    return index;
  }

  return {
    async nearest(datasetId, model, vector, k, entity = 'IMAGES', space = 'visual') {
      const record = await deps.store.similarity.vectorIndex(datasetId, entity, space);
      if (record === null) return { hits: [], indexSize: 0 };
      if (record.model !== model || record.dimension !== vector.length) {
        throw new DomainError('CONFLICT', `The dataset was indexed with the embedding model ${record.model}, the query with ${model}: reindex the dataset (or upload the query again) to search it`);
      }
      const index = await indexOf(`${datasetId}/${entity}/${space}`, record, entity, space);
      const hits = await index.search(vector, Math.min(k, record.size));
      const seqs = Array.from(hits.keys, Number);
      const ids = await deps.store.similarity.itemIdsOfSeqs(datasetId, seqs);
      const found = seqs.flatMap((seq, i) => {
        const itemId = ids.get(seq);
        return itemId === undefined ? [] : [{ itemId, distance: hits.distances[i]! }];
      });
      return { hits: found, indexSize: record.size };
    },

    async close() {
      const entries = [...open.values()];
      open.clear();
      await Promise.all(entries.map(release));
    },
  };
}
