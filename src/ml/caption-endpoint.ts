import type { CaptionEndpointConfig } from '../config/config.ts';
import type { Captioner } from '../ports/captioner.ts';

/** A caption longer than this is cut: it is shown in previews and stored per image. */
const MAX_CAPTION_CHARS = 1000;
const TIMEOUT_MS = 120_000;

/**
 * Captions from an OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
 * llama.cpp's server…): one user message with the prompt and the image as a base64 data URL;
 * the caption is the first choice's text.
 */
export function createEndpointCaptioner(config: CaptionEndpointConfig): Captioner {
  const url = `${config.baseUrl}/chat/completions`;
  return {
    model: `${config.model}@${new URL(config.baseUrl).host}`,
    maxSide: config.maxSide,
    async caption(jpeg) {
      const body = {
        model: config.model,
        max_tokens: 120,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: config.prompt },
              { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } },
            ],
          },
        ],
      };
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(config.apiKey !== null && { authorization: `Bearer ${config.apiKey}` }) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`the caption endpoint answered ${res.status}: ${text.slice(0, 300)}`);
      const content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
      // Content is a string, or (some servers) a list of parts of which the text ones count.
      const caption = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : '')).join('') : null;
      if (caption === null || caption.trim() === '') throw new Error(`the caption endpoint answered no text: ${text.slice(0, 300)}`);
      return caption.trim().replace(/\s+/g, ' ').slice(0, MAX_CAPTION_CHARS);
    },
  };
}
