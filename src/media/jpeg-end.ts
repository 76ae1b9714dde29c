import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
type ReadAt = (offset: number, length: number) => Promise<Buffer>;

const endOfImage = Buffer.from([0xff, 0xd9]);

/**
 * Whether a JPEG's image data is followed by its end-of-image marker. libjpeg decodes a header
 * followed by zeros (or any filler) as a whole, uniform image without even a warning, so this
 * is how such a file is told from a photo. Segments before the first scan are skipped by their
 * lengths (an EXIF thumbnail carries an end marker of its own); inside the scan an 0xFF byte is
 * always followed by 0x00 or a restart marker, so the first FF D9 after it is the real end.
 * Bytes after that end (a phone's appended video, padding) are allowed. A header this cannot
 * walk is left to the decoder to judge: only a scan without an end says false.
 */
export async function jpegHasEnd(source: Buffer | string): Promise<boolean> {
  if (Buffer.isBuffer(source)) {
    const scan = await firstScanOffset(async (offset, length) => source.subarray(offset, offset + length));
    return scan === null || source.includes(endOfImage, scan);
  }
  const file = await open(source, 'r');
  try {
    const scan = await firstScanOffset(async (offset, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    });
    return scan === null || (await fileHasEnd(source, scan));
  } finally {
    await file.close();
  }
}

/** The offset of the first start-of-scan marker, or null when the header does not parse. */
async function firstScanOffset(readAt: ReadAt): Promise<number | null> {
  let offset = 2; // after SOI
  for (;;) {
    const head = await readAt(offset, 4);
    if (head.length < 2 || head[0] !== 0xff) return null;
    const marker = head[1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0xda) return offset;
    if (head.length < 4) return null;
    offset += 2 + head.readUInt16BE(2);
  }
}

async function fileHasEnd(path: string, start: number): Promise<boolean> {
  let lastByte = -1;
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    // A marker split across two chunks is found too.
    if ((lastByte === 0xff && chunk[0] === 0xd9) || chunk.includes(endOfImage)) return true;
    lastByte = chunk[chunk.length - 1]!;
  }
  return false;
}
