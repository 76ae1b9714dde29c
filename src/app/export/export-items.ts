import type { MediaSelection } from '../../domain/export.ts';
import type { StoredCaption, StoredLabel, StoredObject } from '../../ports/enrichment-repo.ts';
import type { MediaRecord, Store } from '../../ports/store.ts';

/** An item as exports see it: its record, its duplicate group at each level, and where its bytes went in the zip. */
export interface ExportItem {
  record: MediaRecord;
  /** Levels ascending; empty without duplicates. */
  duplicateGroups: Array<{ level: number; groupId: number }>;
  /** Path of the item's file inside the export zip; null when images are not included (or the file is gone). */
  imagePath: string | null;
  /** From enrichment or the annotation files: the image's labels and objects, most confident first. */
  labels: StoredLabel[];
  objects: StoredObject[];
  /** The imported caption first, then the generated one. */
  captions: StoredCaption[];
}

/** Items read per query: the export's memory stays this many items, whatever the dataset's size. */
export const EXPORT_PAGE_SIZE = 500;

/** The selected media of a dataset, a page at a time, in id order. */
export async function* exportPages(store: Store, datasetId: string, selection: MediaSelection | null): AsyncGenerator<ExportItem[]> {
  let after = '';
  for (;;) {
    const records = await store.media.selected(datasetId, selection, after, EXPORT_PAGE_SIZE);
    if (records.length === 0) return;
    const ids = records.map((r) => r.item.id);
    const [groups, labels, objects, captions] = await Promise.all([
      store.media.groupsOfItems(datasetId, ids),
      store.enrichment.labelsOfItems(datasetId, ids),
      store.enrichment.objectsOfItems(datasetId, ids),
      store.enrichment.captionsOfItems(datasetId, ids),
    ]);
    // Levels are stored as doubles; rounded so 0.985 reads as 0.985 and matches the level list.
    yield records.map((record) => ({
      record,
      duplicateGroups: (groups.get(record.item.id) ?? []).map((g) => ({ level: Math.round(g.level * 1000) / 1000, groupId: g.groupId })),
      imagePath: null,
      labels: labels.get(record.item.id) ?? [],
      objects: objects.get(record.item.id) ?? [],
      captions: captions.get(record.item.id) ?? [],
    }));
    after = records[records.length - 1]!.item.id;
  }
}
