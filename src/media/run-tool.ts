import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { MediaError } from './media-error.ts';

export interface ToolRun {
  /** What the tool is, for messages: "ffmpeg", "ffprobe". */
  tool: string;
  /** The Debian package that installs it, for the "not found" message. Default "ffmpeg". */
  debianPackage?: string;
  /** The command (a name on PATH, or a path) and its arguments; never run through a shell. */
  command: string;
  args: string[];
  timeoutMs: number;
  /** Output beyond this is a runaway decode (or a bomb): the tool is killed. */
  maxStdoutBytes: number;
}

export interface ToolResult {
  exitCode: number;
  stdout: Buffer;
  /** The tail of stderr only: ffmpeg can be chatty, and only the end explains a failure. */
  stderr: string;
}

const stderrTailBytes = 16 * 1024;

/**
 * Runs an external decoder (ffmpeg, ffprobe, heif-convert) to completion. Infrastructure failures become
 * MediaErrors with a reason a user can act on; a non-zero exit is returned, not thrown,
 * because only the caller knows what that tool's failure means for the item.
 */
export function runTool(run: ToolRun): Promise<ToolResult> {
  return new Promise((settle, reject) => {
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: MediaError | null = null;

    const stop = (error: MediaError) => {
      failure ??= error;
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes open; without this, 'close' would wait for it.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const timer = setTimeout(() => {
      stop(new MediaError('timeout', `${run.tool} did not finish within ${run.timeoutMs / 1000} s`));
    }, run.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > run.maxStdoutBytes) {
        stop(new MediaError('too-large', `decoded output exceeds ${run.maxStdoutBytes} bytes`));
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-stderrTailBytes);
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? toolMissing(run) : error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else settle({ exitCode: code ?? -1, stdout: Buffer.concat(stdoutChunks), stderr });
    });
  });
}

/**
 * Video containers whose demuxer reads only the file it is given. The others must never run
 * on a user's file: playlists and lists (hls, dash, concat...) and image2 patterns open the
 * files they name, wherever those are, so a "holiday.mp4" holding an HLS playlist would index
 * a video outside the import roots. (mov's external data references stay off by default.)
 */
export const selfContainedVideoDemuxers = [
  'mov', 'matroska', 'avi', 'asf', 'flv', 'mpegts', 'mpeg', 'ogg', 'ivf', 'nut', 'h264', 'hevc', 'm4v', 'mpegvideo',
] as const;

/**
 * The input arguments for ffmpeg/ffprobe: one file, read through the file protocol only, by
 * one of `demuxers` only (any other found by probing is refused, nested ones included).
 * ffmpeg reads "name:..." as a protocol ("concat:", "subfile,,...") and a leading "-" as an
 * option; "file:" plus the absolute path is always just that file, whatever a user named it.
 */
export function ffmpegInputArgs(path: string, demuxers: readonly string[]): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', demuxers.join(','), '-i', `file:${resolve(path)}`];
}

function toolMissing(run: ToolRun): MediaError {
  return new MediaError(
    'tool-missing',
    `${run.tool} not found: install it (apt-get install ${run.debianPackage ?? 'ffmpeg'})` +
      ` or configure its path (tried "${run.command}")`,
  );
}
