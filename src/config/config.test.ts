import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 2080, importRoots: [], queue: 'inprocess', role: 'all', databaseUrl: null, s3: null, jwtMaxLifetimeSeconds: 86400 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the variable in every startup error', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ STRATA_PORT: 'eighty' }, /STRATA_PORT/],
      [{ STRATA_PORT: '70000' }, /STRATA_PORT/],
      [{ STRATA_ROLE: 'boss' }, /STRATA_ROLE/],
      [{ STRATA_QUEUE: 'redis' }, /STRATA_QUEUE/],
      [{ STRATA_DATABASE_URL: 'mysql://x' }, /STRATA_DATABASE_URL/],
      [{ STRATA_ADMIN_EMAIL: 'a@b.c' }, /STRATA_ADMIN_PASSWORD/],
      [{ STRATA_VIDEO_FPS: '-1' }, /STRATA_VIDEO_FPS/],
      [{ STRATA_LOG_LEVEL: 'loud' }, /STRATA_LOG_LEVEL/],
      [{ STRATA_QUEUE: 'pgboss' }, /STRATA_DATABASE_URL/],
      [{ STRATA_ROLE: 'worker' }, /STRATA_DATABASE_URL/],
      [{ STRATA_ROLE: 'api', STRATA_DATABASE_URL: 'postgres://h/db' }, /STRATA_SECRET_KEY/],
      [{ STRATA_S3_ENDPOINT: 'http://127.0.0.1:9000' }, /STRATA_S3_BUCKET/],
      [{ STRATA_S3_BUCKET: 'b', STRATA_S3_ACCESS_KEY_ID: 'k' }, /STRATA_S3_SECRET_ACCESS_KEY/],
      [{ STRATA_CLUSTER_THRESHOLDS: '0.5,0.6,0.7,0.8,0.9' }, /STRATA_CLUSTER_THRESHOLDS/],
      [{ STRATA_CLUSTER_THRESHOLDS: '0.9,0.8' }, /STRATA_CLUSTER_THRESHOLDS/],
      [{ STRATA_EMBEDDER_ONNX: '/no/such/model.onnx' }, /STRATA_EMBEDDER_ONNX/],
      [{ STRATA_EMBEDDER_ONNX: '/dev/null' }, /STRATA_EMBEDDER_DIMENSION/],
      [{ STRATA_EMBEDDER_ONNX: '/dev/null', STRATA_EMBEDDER_DIMENSION: '512', STRATA_EMBEDDER_STD: '0.2,0,0.2' }, /STRATA_EMBEDDER_STD/],
      [{ STRATA_EMBEDDER_ONNX: '/dev/null', STRATA_EMBEDDER_DIMENSION: '512', STRATA_EMBEDDER_LAYOUT: 'chw' }, /STRATA_EMBEDDER_LAYOUT/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });

  it('serves requests without credentials (STRATA_AUTH=none) only on a loopback address', () => {
    expect(loadConfig({}).auth).toBe('jwt');
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', 'localhost']) expect(loadConfig({ STRATA_AUTH: 'none', STRATA_HOST: host }).auth, host).toBe('none');
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'strata.example.com']) {
      expect(() => loadConfig({ STRATA_AUTH: 'none', STRATA_HOST: host }), host).toThrow(/STRATA_AUTH=none .* STRATA_HOST to be a loopback address/);
    }
    expect(() => loadConfig({ STRATA_AUTH: 'off' })).toThrow(/STRATA_AUTH/);
  });

  it('runs the bundled embedder unless an ONNX model is configured, with ImageNet preprocessing by default', () => {
    expect(loadConfig({ STRATA_DATA_DIR: '/srv/strata' }).embedder).toEqual({ kind: 'mobilenet', cacheDir: '/srv/strata/cache' });
    expect(loadConfig({ STRATA_DATA_DIR: '/srv/strata', STRATA_CACHE_DIR: '/var/cache/strata' }).embedder).toEqual({ kind: 'mobilenet', cacheDir: '/var/cache/strata' });
    expect(loadConfig({ STRATA_EMBEDDER_ONNX: '/dev/null', STRATA_EMBEDDER_DIMENSION: '512' }).embedder).toEqual({
      kind: 'onnx',
      modelPath: '/dev/null',
      inputSize: 224,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      layout: 'nchw',
      dimension: 512,
    });
  });

  it('configures a CLIP pair and a caption endpoint only together with what each needs', () => {
    expect(loadConfig({}).multimodal).toEqual({ clip: null, captions: null });
    const pair = { STRATA_CLIP_IMAGE_ONNX: '/dev/null', STRATA_CLIP_IMAGE_DIMENSION: '512', STRATA_CLIP_TEXT_ONNX: '/dev/null' };
    expect(loadConfig({ ...pair, STRATA_CLIP_TOKENIZER: '/dev/null' }).multimodal.clip).toEqual({
      image: { modelPath: '/dev/null', inputSize: 224, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], layout: 'nchw', dimension: 512 },
      text: { modelPath: '/dev/null', contextLength: 77 },
      tokenizer: { kind: 'tokenizer.json', path: '/dev/null' },
    });
    expect(loadConfig({ ...pair, STRATA_CLIP_VOCAB: '/dev/null', STRATA_CLIP_MERGES: '/dev/null' }).multimodal.clip?.tokenizer).toEqual({ kind: 'vocab+merges', vocabPath: '/dev/null', mergesPath: '/dev/null' });
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ STRATA_CLIP_TEXT_ONNX: '/dev/null', STRATA_CLIP_TOKENIZER: '/dev/null' }, /STRATA_CLIP_IMAGE_ONNX and STRATA_CLIP_TEXT_ONNX/],
      [{ STRATA_CLIP_IMAGE_ONNX: '/dev/null', STRATA_CLIP_TEXT_ONNX: '/dev/null' }, /STRATA_CLIP_IMAGE_DIMENSION/],
      [pair, /tokenizer/],
      [{ ...pair, STRATA_CLIP_VOCAB: '/dev/null' }, /STRATA_CLIP_MERGES/],
      [{ ...pair, STRATA_CLIP_TOKENIZER: '/no/such/tokenizer.json' }, /STRATA_CLIP_TOKENIZER: no file/],
      [{ STRATA_CAPTION_URL: 'ftp://host' }, /STRATA_CAPTION_URL/],
      [{ STRATA_CAPTION_URL: 'http://127.0.0.1:8000/v1' }, /STRATA_CAPTION_MODEL/],
      [{ STRATA_CAPTION_MODEL: 'gpt-4o-mini' }, /STRATA_CAPTION_URL/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
    expect(loadConfig({ STRATA_CAPTION_URL: 'http://127.0.0.1:8000/v1/', STRATA_CAPTION_MODEL: 'm', STRATA_CAPTION_API_KEY: 'k' }).multimodal.captions).toEqual({
      baseUrl: 'http://127.0.0.1:8000/v1',
      model: 'm',
      apiKey: 'k',
      prompt: 'Describe this image in one short sentence.',
      maxSide: 768,
    });
  });

  it('switches to the scale-out backends by configuration', () => {
    const c = loadConfig({ STRATA_DATABASE_URL: 'postgres://u@h/db', STRATA_ROLE: 'worker', STRATA_S3_BUCKET: 'media', STRATA_S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(c).toMatchObject({ databaseUrl: 'postgres://u@h/db', queue: 'pgboss', role: 'worker' });
    expect(c.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', bucket: 'media', region: 'us-east-1', accessKeyId: null, secretAccessKey: null, forcePathStyle: true });
  });

  it('splits and resolves import roots', () => {
    expect(loadConfig({ STRATA_IMPORT_ROOTS: '/usr/../tmp:/usr/bin::' }).importRoots).toEqual(['/tmp', '/usr/bin']);
  });

  it('refuses an import root that is not a folder, naming it', () => {
    expect(() => loadConfig({ STRATA_IMPORT_ROOTS: '/tmp:/no/such/folder' })).toThrow(new ConfigError('STRATA_IMPORT_ROOTS: no folder at /no/such/folder'));
    expect(() => loadConfig({ STRATA_IMPORT_ROOTS: '/dev/null' })).toThrow(new ConfigError('STRATA_IMPORT_ROOTS: no folder at /dev/null'));
  });
});
