/**
 * Why one media file could not be analysed. These are expected, per-item outcomes (a user's
 * folder will contain broken and odd files), not bugs: a pipeline stage records `reason` as the
 * item's failure and moves on, and the errors API shows it to users. So the message must read
 * well on its own and never carry a stack trace, a temp path or a tool's full log.
 */
export const mediaErrorKinds = [
  'empty', // zero-byte file
  'unreadable', // missing, a directory, or no permission
  'unsupported', // not an image/video, or a format no installed decoder handles
  'corrupt', // recognised format, but the data is truncated or damaged
  'too-large', // over the configured pixel limit (decompression bombs land here)
  'no-video-stream', // a container with no video in it (audio only, say)
  'tool-missing', // ffmpeg/ffprobe not installed: a setup problem, same for every item
  'timeout', // a decoder ran past its time budget
] as const;

export type MediaErrorKind = (typeof mediaErrorKinds)[number];

export class MediaError extends Error {
  constructor(
    readonly kind: MediaErrorKind,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'MediaError';
  }

  /** Serialises to what users may see: the kind and the reason, never the stack. */
  toJSON(): { kind: MediaErrorKind; reason: string } {
    return { kind: this.kind, reason: this.reason };
  }
}

export function unreadable(error: NodeJS.ErrnoException): MediaError {
  const why: Record<string, string> = {
    ENOENT: 'file not found',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a directory, not a file',
  };
  return new MediaError('unreadable', `cannot read file: ${why[error.code ?? ''] ?? error.code ?? 'I/O error'}`);
}

const maxDetailLength = 300;

/**
 * Turns a decoder's diagnostic output into a short, path-free detail for a reason: the last
 * meaningful lines (tools print the actual error last), with the file's path removed so a
 * user sees "Invalid data found when processing input" rather than a server path.
 */
export function toolDetail(output: string, filePath?: string): string {
  let text = output;
  if (filePath) text = text.split(filePath).join('<file>');
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\[[^\]]*@ 0x[0-9a-f]+\]\s*/gi, '').trim())
    .filter((line) => line.length > 0);
  const unique = [...new Set(lines)];
  const detail = unique.slice(-3).join('; ');
  return detail.length > maxDetailLength ? `${detail.slice(0, maxDetailLength - 1)}…` : detail;
}
