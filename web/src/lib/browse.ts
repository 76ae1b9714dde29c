import type { Route } from './routes.ts';

/**
 * The gallery an image was opened from, so that the image's page can step to the gallery's
 * previous and next images (← →) and return to it (Esc) at the image last seen. Kept in memory
 * only: an image opened from a link or a reload stands on its own.
 */
export interface Browse {
  /** The gallery's query (MediaGrid's queryKey): the grid showing it again puts its focus back. */
  queryKey: string;
  /** The gallery's route, and what to call it on the way back. */
  from: Route;
  label: string;
  /** Where the open image is in the gallery, and how many the gallery holds. */
  index: number;
  total: number;
  mediaId: string;
  /** The media id at a place in the gallery (fetched when not loaded), null past its end. */
  idAt(index: number): Promise<string | null>;
}

let current: Browse | null = null;

/** The gallery `mediaId` was opened from (or stepped to in), if it was. */
export const browseOf = (mediaId: string): Browse | null => (current?.mediaId === mediaId ? current : null);

/** The gallery last browsed, if it is the one of `queryKey`. */
export const browsedGallery = (queryKey: string): Browse | null => (current?.queryKey === queryKey ? current : null);

export function startBrowsing(browse: Browse): void {
  current = browse;
}

/** The media `delta` places from the open one, now the open one; null at either end of the gallery. */
export async function step(browse: Browse, delta: number): Promise<string | null> {
  const index = browse.index + delta;
  if (index < 0 || index >= browse.total) return null;
  const mediaId = await browse.idAt(index);
  if (mediaId === null) return null;
  current = { ...browse, index, mediaId };
  return mediaId;
}
