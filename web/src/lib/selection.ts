import type { GroupMedia } from '../client.ts';

/**
 * The copy to keep in a duplicate group: the most pixels, then the largest file, then the
 * first listed; the others are the ones to review for removal.
 */
export function keeperOf(media: readonly GroupMedia[]): GroupMedia | undefined {
  let best: GroupMedia | undefined;
  for (const m of media) {
    if (best === undefined || score(m) > score(best)) best = m;
  }
  return best;
}

const score = (m: GroupMedia) => (m.width ?? 0) * (m.height ?? 0) * 1e12 + (m.file_size ?? 0);

/**
 * Every member of the group but the keeper and the other frames of its video: they name the
 * same file, which a script removing the selected files would then remove too.
 */
export function restOf(media: readonly GroupMedia[]): GroupMedia[] {
  const keep = keeperOf(media);
  return media.filter((m) => m !== keep && m.file_name !== keep?.file_name);
}

/** The selection as a CSV a script can read: media id and file name, one a line. */
export function selectionCsv(selected: Iterable<GroupMedia>): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['media_id,file_name'];
  for (const m of selected) lines.push(`${quote(m.media_id)},${quote(m.file_name)}`);
  return `${lines.join('\n')}\n`;
}
