import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface CaptionRequest {
  authorization: string | undefined;
  model: string;
  prompt: string;
  /** The image the request carried, decoded: its size and mean colour. */
  image: { format: string; width: number; height: number; mean: [number, number, number] };
}

/**
 * An OpenAI-compatible chat-completions endpoint on loopback, standing in for a vision model:
 * it decodes the image the request carries (a base64 data URL) and captions it with its
 * dominant colour, "a red picture", so a caption proves which image was sent. Malformed
 * requests get 400 with OpenAI's error shape.
 */
export async function startCaptionServer(): Promise<{ url: string; requests: CaptionRequest[]; stop(): Promise<void> }> {
  const requests: CaptionRequest[] = [];
  const server = createServer((req, res) => {
    void answer(req).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (err: unknown) => {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(err), type: 'invalid_request_error' } }));
      },
    );
  });

  async function answer(req: IncomingMessage) {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') throw new Error(`no route ${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { model: string; messages: Array<{ role: string; content: Array<{ type: string; text?: string; image_url?: { url: string } }> }> };
    const content = body.messages[0]!.content;
    const url = content.find((c) => c.type === 'image_url')?.image_url?.url ?? '';
    const match = /^data:image\/jpeg;base64,(.+)$/.exec(url);
    if (!match) throw new Error('the message carries no JPEG data URL');
    const bytes = Buffer.from(match[1]!, 'base64');
    const meta = await sharp(bytes).metadata();
    const stats = await sharp(bytes).stats();
    const mean = stats.channels.slice(0, 3).map((c) => c.mean) as [number, number, number];
    requests.push({
      authorization: req.headers.authorization,
      model: body.model,
      prompt: content.find((c) => c.type === 'text')?.text ?? '',
      image: { format: meta.format!, width: meta.width!, height: meta.height!, mean },
    });
    const colour = ['red', 'green', 'blue'][mean.indexOf(Math.max(...mean))];
    return { id: `chatcmpl-${requests.length}`, object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: ` a ${colour}\npicture ` }, finish_reason: 'stop' }] };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
