import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { MediaSelection } from '../../domain/export.ts';
import type { IssueType } from '../../domain/similarity/issues.ts';
import type { VqlFilter } from '../../domain/vql.ts';
import type { DB, ItemScoresTable, ItemsTable } from '../schema.ts';

/**
 * The media reads' WHERE clauses (media.repo.ts): a VQL filter or an export's selection as a
 * condition over items `i` left-joined to their scores `s`.
 */
export type EB = ExpressionBuilder<DB & { i: ItemsTable; s: ItemScoresTable }, 'i' | 's'>;

export const issueColumns: Record<IssueType, `s.issue_${IssueType}`> = {
  duplicates: 's.issue_duplicates',
  outliers: 's.issue_outliers',
  blur: 's.issue_blur',
  dark: 's.issue_dark',
  bright: 's.issue_bright',
  low_information: 's.issue_low_information',
  odd_aspect_ratio: 's.issue_odd_aspect_ratio',
  odd_size: 's.issue_odd_size',
  grayscale: 's.issue_grayscale',
  mislabels: 's.issue_mislabels',
};

export const clusterColumn = (g: number) => `s.cluster_${g}` as 's.cluster_0';

/**
 * Escapes LIKE wildcards so a file-name word matches literally. The caller lowers it in SQL, as
 * it lowers the text it is matched against: SQLite's lower() changes only ASCII letters, so a
 * word lowered by JavaScript would miss text that holds the same non-ASCII capital.
 */
const likeWord = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One VQL filter as a condition over items `i` left-joined to their scores `s`. */
export function filterCondition(eb: EB, f: VqlFilter): Expression<SqlBool> {
  switch (f.kind) {
    case 'issues': {
      // NULL (no such issue) must read as false, not unknown, or `not` would drop those rows too.
      const has = f.issues.flatMap((t) => {
        const col = issueColumns[t];
        return col ? [eb(eb.fn.coalesce(col, sql.lit(-1)), '>=', f.confidenceMin)] : [];
      });
      const any = has.length > 0 ? eb.or(has) : sql<SqlBool>`1 = 0`;
      return f.mode === 'in' ? any : eb.not(any);
    }
    case 'duplicates':
      // Levels are stored as float32-rounded values: a small tolerance keeps 0.96 at 0.96.
      return eb('s.max_similarity', '>=', f.level - 1e-6);
    case 'uniqueness':
      return eb('s.uniqueness', f.mode === 'gte' ? '>=' : '<=', f.value);
    case 'labels': {
      // An image has a label when it was tagged with it, or holds an object of that class.
      // (An object has its own class as its label.) Case aside, as text search: both sides are
      // lowered by the database, so a label matches itself whatever lower() makes of its letters.
      const wanted = sql.join(f.labels.map((l) => sql`lower(${l})`));
      const labelIn = (col: 'l.label' | 'o.label') => sql<SqlBool>`lower(${sql.ref(col)}) in (${wanted})`;
      return eb.or([
        eb.exists(eb.selectFrom('image_labels as l').select('l.item_id').whereRef('l.item_id', '=', 'i.id').where(labelIn('l.label'))),
        eb.exists(eb.selectFrom('objects as o').select('o.item_id').whereRef('o.item_id', '=', 'i.id').where(labelIn('o.label'))),
        eb.exists(eb.selectFrom('objects as o').select('o.id').whereRef('o.id', '=', 'i.id').where(labelIn('o.label'))),
      ]);
    }
    case 'text': {
      const words = f.value.split(/\s+/).filter((w) => w !== '');
      // Each word within the file name or the caption (imported or from CAPTION_IMAGES).
      return eb.and(
        words.map((w) =>
          eb.or([
            sql<SqlBool>`lower(${eb.ref('i.file_name')}) like lower(${likeWord(w)}) escape '\\'`,
            eb.exists(eb.selectFrom('captions as c').select('c.item_id').whereRef('c.item_id', '=', 'i.id').where(sql<SqlBool>`lower(c.caption) like lower(${likeWord(w)}) escape '\\'`)),
          ]),
        ),
      );
    }
  }
}

/** An entities export's selection: any listed media, or any member of a selected cluster that passes its filters and was not excluded. */
export function selectionCondition(eb: EB, selection: MediaSelection): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [];
  if (selection.mediaIds.length > 0) parts.push(eb('i.id', 'in', selection.mediaIds));
  for (const c of selection.clusters) {
    const conditions = [eb(clusterColumn(c.granularity), '=', c.clusterId), ...c.filters.map((f) => filterCondition(eb, f))];
    if (c.excludedIds.length > 0) conditions.push(eb('i.id', 'not in', c.excludedIds));
    parts.push(eb.and(conditions));
  }
  return parts.length > 0 ? eb.or(parts) : sql<SqlBool>`1 = 0`;
}
