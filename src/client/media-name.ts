/** Where in a video, as players show it: "0:07", "12:30", "1:02:05" (whole seconds). */
export function formatVideoTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m, ss] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const two = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(ss)}` : `${m}:${two(ss)}`;
}

/**
 * A media item as people read it: its file name, and for a video frame where in the video it
 * is ("clip.mp4 · 0:02"), since every frame of a video has the video's name.
 */
export const mediaName = (m: { file_name: string; frame_timestamp?: number | null }): string =>
  m.frame_timestamp == null ? m.file_name : `${m.file_name} · ${formatVideoTime(m.frame_timestamp)}`;
