/** Rows grouped by their item, each list in row order. */
export function byItem<R extends { item_id: string }, T>(rows: readonly R[], map: (row: R) => T): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const r of rows) {
    const list = grouped.get(r.item_id) ?? [];
    list.push(map(r));
    grouped.set(r.item_id, list);
  }
  return grouped;
}
