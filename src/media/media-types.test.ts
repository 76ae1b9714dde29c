import { describe, expect, it } from 'vitest';
import { mediaKindOf } from './media-types.ts';

describe('mediaKindOf', () => {
  it.each(['png', 'jpg', 'jpeg', 'jfif', 'gif', 'tif', 'tiff', 'bmp', 'webp', 'heic', 'heif', 'jp2'])(
    'treats .%s as an image',
    (ext) => {
      expect(mediaKindOf(`photo.${ext}`)).toBe('image');
    },
  );

  it.each(['mp4', 'mov', 'avi', 'mkv', 'webm', 'm4v', 'wmv', 'flv'])('treats .%s as a video', (ext) => {
    expect(mediaKindOf(`clip.${ext}`)).toBe('video');
  });

  it('ignores case', () => {
    expect(mediaKindOf('IMG_0001.JPG')).toBe('image');
    expect(mediaKindOf('Holiday.MoV')).toBe('video');
    expect(mediaKindOf('scan.TiFf')).toBe('image');
  });

  it('uses only the last extension and the file name, not the folders', () => {
    expect(mediaKindOf('archive.jpg.zip')).toBeNull();
    expect(mediaKindOf('clip.mp4.jpg')).toBe('image');
    expect(mediaKindOf('/data/photos.mp4/readme')).toBeNull();
    expect(mediaKindOf('C:\\Users\\me\\Pictures\\cat.png')).toBe('image');
    expect(mediaKindOf('albums/2021/IMG_1.heic')).toBe('image');
  });

  it('rejects other and missing extensions', () => {
    for (const name of ['notes.txt', 'raw.cr2', 'vector.svg', 'doc.pdf', 'README', 'trailing.', '.jpg', '']) {
      expect(mediaKindOf(name), name).toBeNull();
    }
  });

  it('is not fooled by names of Object.prototype members', () => {
    expect(mediaKindOf('x.constructor')).toBeNull();
    expect(mediaKindOf('x.__proto__')).toBeNull();
    expect(mediaKindOf('x.toString')).toBeNull();
  });
});
