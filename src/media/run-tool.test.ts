import { describe, expect, it } from 'vitest';
import { MediaError } from './media-error.ts';
import { ffmpegInputArgs, runTool } from './run-tool.ts';

const base = { tool: 'sh', command: 'sh', timeoutMs: 10_000, maxStdoutBytes: 1 << 20 };

describe('runTool', () => {
  it('returns stdout, the exit code and the tail of stderr, without a shell', async () => {
    const result = await runTool({ ...base, args: ['-c', 'printf out; printf err >&2; exit 3'] });
    expect(result).toEqual({ exitCode: 3, stdout: Buffer.from('out'), stderr: 'err' });
    const literal = await runTool({ ...base, command: 'printf', args: ['%s', '$(echo no); *'] });
    expect(literal.stdout.toString()).toBe('$(echo no); *');
  });

  it('kills a tool whose output runs away', async () => {
    const error = await runTool({ ...base, args: ['-c', 'head -c 100000 /dev/zero'], maxStdoutBytes: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).kind).toBe('too-large');
  });

  it('kills a tool that runs past its timeout', async () => {
    const started = Date.now();
    // sh forks sleep, which keeps the pipes open after sh itself is killed.
    const error = await runTool({ ...base, args: ['-c', 'sleep 3; true'], timeoutMs: 200 }).catch((e: unknown) => e);
    expect((error as MediaError).kind).toBe('timeout');
    expect((error as MediaError).message).toBe('sh did not finish within 0.2 s');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('names ffmpeg inputs as plain files, read by the named demuxers only', () => {
    expect(ffmpegInputArgs('/media/concat:a.mp4', ['mov', 'avi'])).toEqual([
      '-protocol_whitelist', 'file', '-format_whitelist', 'mov,avi', '-i', 'file:/media/concat:a.mp4',
    ]);
    expect(ffmpegInputArgs('-i.mp4', ['mov']).at(-1)).toMatch(/^file:\/.*\/-i\.mp4$/);
  });
});
