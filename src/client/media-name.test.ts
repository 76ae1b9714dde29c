import { describe, expect, it } from 'vitest';
import { formatVideoTime, mediaName } from './media-name.ts';

describe('media names', () => {
  it('shows where in a video as players do', () => {
    expect([0, 7.9, 75.5, 750, 3725].map(formatVideoTime)).toEqual(['0:00', '0:07', '1:15', '12:30', '1:02:05']);
  });

  it('names a frame by its video and where in it, an image by its file name', () => {
    expect(mediaName({ file_name: 'clips/tree.avi', frame_timestamp: 4.933 })).toBe('clips/tree.avi · 0:04');
    expect(mediaName({ file_name: 'clips/tree.avi', frame_timestamp: 0 })).toBe('clips/tree.avi · 0:00');
    expect(mediaName({ file_name: 'a.jpg' })).toBe('a.jpg');
    expect(mediaName({ file_name: 'a.jpg', frame_timestamp: null })).toBe('a.jpg');
  });
});
