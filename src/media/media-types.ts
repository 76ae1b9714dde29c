export type MediaKind = 'image' | 'video';

/**
 * Which files a scan picks up, by extension. The extension only selects candidates: images
 * are then recognised by their content (see image-decode.ts), so a mislabelled file is still
 * read correctly or rejected with a reason, never silently skipped.
 */
export const mediaExtensions: Readonly<Record<string, MediaKind>> = Object.freeze({
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  jfif: 'image',
  gif: 'image',
  tif: 'image',
  tiff: 'image',
  bmp: 'image',
  webp: 'image',
  heic: 'image',
  heif: 'image',
  jp2: 'image',
  mp4: 'video',
  mov: 'video',
  avi: 'video',
  mkv: 'video',
  webm: 'video',
  m4v: 'video',
  wmv: 'video',
  flv: 'video',
});

export function mediaKindOf(fileName: string): MediaKind | null {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  // No dot, or only a leading one (".jpg" is a hidden file named "jpg", not a JPEG).
  if (dot <= 0) return null;
  const extension = base.slice(dot + 1).toLowerCase();
  return Object.hasOwn(mediaExtensions, extension) ? mediaExtensions[extension]! : null;
}
