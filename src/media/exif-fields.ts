import exifReader from 'exif-reader';

export type ExifFields = Record<string, string | number>;

/**
 * Picks the few EXIF fields worth storing and showing (camera, lens, capture time, exposure,
 * location) from a raw EXIF block. EXIF written by cameras and editors is often malformed;
 * that must never fail the image, so any parse problem simply yields fewer fields (or null).
 */
export function exifFields(raw: Buffer | undefined): ExifFields | null {
  if (!raw || raw.length === 0) return null;
  let tags: exifReader.Exif;
  try {
    tags = exifReader(raw);
  } catch {
    return null;
  }
  const image = tags.Image ?? {};
  const photo = tags.Photo ?? {};
  const fields: ExifFields = {};
  const put = (key: string, value: string | number | null | undefined) => {
    if (typeof value === 'string' && value !== '') fields[key] = value;
    if (typeof value === 'number' && Number.isFinite(value)) fields[key] = value;
  };
  put('make', text(image.Make));
  put('model', text(image.Model));
  put('lens', text(photo.LensModel));
  put('taken_at', takenAt(photo.DateTimeOriginal ?? photo.DateTimeDigitized ?? image.DateTime, photo.OffsetTimeOriginal));
  put('exposure', positive(photo.ExposureTime));
  put('f_number', positive(photo.FNumber));
  put('iso', positive(first(photo.ISOSpeedRatings ?? photo.PhotographicSensitivity)));
  put('focal_length', positive(photo.FocalLength));
  const gps = tags.GPSInfo;
  if (gps) {
    const lat = coordinate(gps.GPSLatitude, gps.GPSLatitudeRef, 'S');
    const lon = coordinate(gps.GPSLongitude, gps.GPSLongitudeRef, 'W');
    // A 0,0 fix is what unset GPS blocks contain, not a photo taken off the coast of Africa.
    if (lat !== null && lon !== null && (lat !== 0 || lon !== 0)) {
      put('gps_lat', lat);
      put('gps_lon', lon);
    }
  }
  return Object.keys(fields).length > 0 ? fields : null;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Camera strings come NUL- and space-padded to fixed widths.
  return value.replace(/\0/g, '').trim() || null;
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * EXIF times are wall-clock times without a zone; exif-reader returns them as if they were
 * UTC. So the ISO string is written without "Z" (a local time), plus the offset when the
 * camera recorded one (OffsetTimeOriginal, "+02:00").
 */
function takenAt(value: unknown, offset: unknown): string | null {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return null;
  const local = value.toISOString().slice(0, 19);
  const zone = typeof offset === 'string' && /^[+-]\d\d:\d\d$/.test(offset.trim()) ? offset.trim() : '';
  return local + zone;
}

function coordinate(dms: unknown, ref: unknown, negativeRef: string): number | null {
  if (!Array.isArray(dms) || dms.length === 0) return null;
  const [d = 0, m = 0, s = 0] = dms.map(Number);
  const value = d + m / 60 + s / 3600;
  if (!Number.isFinite(value)) return null;
  const signed = typeof ref === 'string' && ref.trim().toUpperCase() === negativeRef ? -value : value;
  return Math.round(signed * 1e6) / 1e6;
}
