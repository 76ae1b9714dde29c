/**
 * Marks thumbnails for the browser's Element Timing API, so the time their pixels reach the
 * screen can be read (bench/ui.ts does). React has no typed prop for the attribute.
 */
export const paintTimed = { elementtiming: 'thumbnail' } as Record<string, string>;
