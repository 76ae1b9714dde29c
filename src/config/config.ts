import { existsSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Configuration, parsed and validated once at start from the environment (SPEC §1).
 * A bad value stops the process with a message naming the variable.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /**
   * `jwt`: every request needs credentials. `none`: requests without any are served as one
   * local admin (Visual Layer's on-prem mode, for scripts that send no Authorization header);
   * only on a loopback address.
   */
  readonly auth: 'jwt' | 'none';
  readonly dataDir: string;
  readonly importRoots: readonly string[];
  readonly adminEmail: string | null;
  readonly adminPassword: string | null;
  readonly databaseUrl: string | null;
  readonly queue: 'inprocess' | 'pgboss';
  readonly s3: S3Config | null;
  readonly role: 'all' | 'api' | 'worker';
  readonly logLevel: string;
  /** Key for API secrets at rest (64 hex chars or base64); null → a key file in the data dir. */
  readonly secretKey: string | null;
  readonly jwtMaxLifetimeSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly workers: number;
  readonly maxUploadFileBytes: number;
  readonly maxUploadFilesPerRequest: number;
  /** Archives sent to add_media: their size, entries, and the bytes they may inflate to. */
  readonly archive: { readonly maxBytes: number; readonly maxEntries: number; readonly maxExpandedBytes: number };
  readonly maxImagePixels: number;
  readonly thumbnailSize: number;
  readonly videoFps: number;
  readonly videoMaxFrames: number;
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  readonly heifConvertPath: string;
  readonly jobRetryLimit: number;
  /** pg-boss only: seconds without a heartbeat after which a claimed job counts as abandoned (its process died). */
  readonly jobExpirySeconds: number | null;
  /** pg-boss only: how often abandoned jobs are looked for (pg-boss maintenance). */
  readonly queueMaintenanceSeconds: number;
  /** How long a finished export's zip can be downloaded before it is deleted. */
  readonly exportTtlSeconds: number;
  readonly similarity: SimilarityConfig;
  readonly embedder: EmbedderConfig;
  /** Captions and text-to-image search: what the operator configured (README "Captions and text search"). */
  readonly multimodal: MultimodalConfig;
}

/** An operator-supplied image encoder in ONNX format, with the preprocessing it expects. */
export interface OnnxImageModelConfig {
  modelPath: string;
  /** Square input side the model expects. */
  inputSize: number;
  /** Per-channel RGB normalisation applied to x / 255: (x / 255 − mean) / std. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Tensor layout of the model's input: NCHW (PyTorch exports) or NHWC (TensorFlow ones). */
  layout: 'nchw' | 'nhwc';
  /** Length of the embedding; checked against the model's output on first use. */
  dimension: number;
  /** Output to read; default the model's first output. */
  output?: string;
}

/**
 * A CLIP pair: an image tower and a text tower whose outputs share one space, and CLIP's BPE
 * tokenizer files. Either or both of it and a captioning endpoint may be configured.
 */
export interface ClipConfig {
  image: OnnxImageModelConfig;
  text: {
    modelPath: string;
    /** Tokens per text, markers included (77 for every released CLIP). */
    contextLength: number;
    output?: string;
  };
  tokenizer: { kind: 'tokenizer.json'; path: string } | { kind: 'vocab+merges'; vocabPath: string; mergesPath: string };
}

/** An OpenAI-compatible chat-completions endpoint that captions an image sent as a data URL. */
export interface CaptionEndpointConfig {
  /** Base URL up to the API version, e.g. https://api.openai.com/v1; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  apiKey: string | null;
  prompt: string;
  /** The image is sent as a JPEG no larger than this on its longest side. */
  maxSide: number;
}

export interface MultimodalConfig {
  clip: ClipConfig | null;
  captions: CaptionEndpointConfig | null;
}

/**
 * Which image embedder the media workers run: the bundled MobileNetV2, or an operator-supplied
 * ONNX model with its preprocessing (README "Using your own embedding model").
 */
export type EmbedderConfig =
  | {
      kind: 'mobilenet';
      /** Where the media workers keep the model's ONNX export between starts (STRATA_CACHE_DIR). */
      cacheDir: string;
    }
  | ({ kind: 'onnx' } & OnnxImageModelConfig);

/** Dataset-level results (SPEC §5); defaults documented in the README's configuration table. */
export interface SimilarityConfig {
  /** Neighbours per item in the kNN graph. */
  neighbours: number;
  /** Cosine similarity an edge needs to join a cluster at granularity 0 … 4 (decreasing). */
  clusterThresholds: readonly number[];
  /** Robust z-score of the mean neighbour distance from which an item is an outlier. */
  outlierZ: number;
  /** Worker threads of the local copy checks: as many as decode images (STRATA_WORKERS). */
  copyCheckThreads: number;
  /** Blur / dark / bright score (0 … 1) from which the image has that issue. */
  qualityIssueScore: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v === '' ? null : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** S3-compatible storage for media and derivatives; null keeps them on local disk. */
export interface S3Config {
  readonly endpoint: string | null;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  readonly forcePathStyle: boolean;
}

function rgbTriple(env: Env, name: string, fallback: readonly [number, number, number], positive: boolean): readonly [number, number, number] {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  const v = raw.split(',').map((x) => Number(x.trim()));
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x) || (positive && x <= 0))) {
    throw new ConfigError(`${name} must be three comma-separated ${positive ? 'positive ' : ''}numbers (R,G,B), got "${raw}"`);
  }
  return [v[0]!, v[1]!, v[2]!];
}

/**
 * An ONNX image model from the variables `${prefix}_ONNX`, `_DIMENSION`, `_INPUT_SIZE`, `_MEAN`,
 * `_STD`, `_LAYOUT` and `_OUTPUT`; null when `${prefix}_ONNX` is unset.
 */
function onnxImageModel(env: Env, prefix: string, defaults: { mean: readonly [number, number, number]; std: readonly [number, number, number] }): OnnxImageModelConfig | null {
  const modelPath = optional(env, `${prefix}_ONNX`);
  if (modelPath === null) return null;
  if (!existsSync(modelPath)) throw new ConfigError(`${prefix}_ONNX: no file at ${modelPath}`);
  if (optional(env, `${prefix}_DIMENSION`) === null) throw new ConfigError(`${prefix}_ONNX needs ${prefix}_DIMENSION (the length of the model's output vector)`);
  const output = optional(env, `${prefix}_OUTPUT`);
  return {
    modelPath: resolve(modelPath),
    inputSize: int(env, `${prefix}_INPUT_SIZE`, 224, 16, 4096),
    mean: rgbTriple(env, `${prefix}_MEAN`, defaults.mean, false),
    std: rgbTriple(env, `${prefix}_STD`, defaults.std, true),
    layout: oneOf(env, `${prefix}_LAYOUT`, ['nchw', 'nhwc'] as const, 'nchw'),
    dimension: int(env, `${prefix}_DIMENSION`, 0, 1, 65_536),
    ...(output !== null && { output }),
  };
}

function embedderConfig(env: Env, dataDir: string): EmbedderConfig {
  const onnx = onnxImageModel(env, 'STRATA_EMBEDDER', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  return onnx === null ? { kind: 'mobilenet', cacheDir: resolve(str(env, 'STRATA_CACHE_DIR', join(dataDir, 'cache'))) } : { kind: 'onnx', ...onnx };
}

function existingFile(env: Env, name: string): string | null {
  const path = optional(env, name);
  if (path !== null && !existsSync(path)) throw new ConfigError(`${name}: no file at ${path}`);
  return path === null ? null : resolve(path);
}

/** The CLIP pair: both towers and the tokenizer files, or none of them. */
function clipConfig(env: Env): ClipConfig | null {
  // CLIP's own normalisation, which every released CLIP image tower expects.
  const image = onnxImageModel(env, 'STRATA_CLIP_IMAGE', { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] });
  const textPath = existingFile(env, 'STRATA_CLIP_TEXT_ONNX');
  const tokenizerJson = existingFile(env, 'STRATA_CLIP_TOKENIZER');
  const vocab = existingFile(env, 'STRATA_CLIP_VOCAB');
  const merges = existingFile(env, 'STRATA_CLIP_MERGES');
  const any = image !== null || textPath !== null || tokenizerJson !== null || vocab !== null || merges !== null;
  if (!any) return null;
  if (image === null || textPath === null) throw new ConfigError('A CLIP pair needs both STRATA_CLIP_IMAGE_ONNX and STRATA_CLIP_TEXT_ONNX (with STRATA_CLIP_IMAGE_DIMENSION)');
  if ((vocab === null) !== (merges === null)) throw new ConfigError('STRATA_CLIP_VOCAB and STRATA_CLIP_MERGES must be set together');
  if ((tokenizerJson === null) === (vocab === null)) {
    throw new ConfigError('A CLIP pair needs its tokenizer: either STRATA_CLIP_TOKENIZER (tokenizer.json) or STRATA_CLIP_VOCAB with STRATA_CLIP_MERGES, not both');
  }
  const output = optional(env, 'STRATA_CLIP_TEXT_OUTPUT');
  return {
    image,
    text: { modelPath: textPath, contextLength: int(env, 'STRATA_CLIP_CONTEXT_LENGTH', 77, 2, 4096), ...(output !== null && { output }) },
    tokenizer: tokenizerJson !== null ? { kind: 'tokenizer.json', path: tokenizerJson } : { kind: 'vocab+merges', vocabPath: vocab!, mergesPath: merges! },
  };
}

function captionEndpointConfig(env: Env): CaptionEndpointConfig | null {
  const baseUrl = optional(env, 'STRATA_CAPTION_URL');
  const model = optional(env, 'STRATA_CAPTION_MODEL');
  if (baseUrl === null) {
    if (model !== null) throw new ConfigError('STRATA_CAPTION_MODEL is set but STRATA_CAPTION_URL is not: name the endpoint');
    return null;
  }
  if (!/^https?:\/\//.test(baseUrl)) throw new ConfigError('STRATA_CAPTION_URL must be an http(s):// URL (the API base, e.g. https://api.openai.com/v1)');
  if (model === null) throw new ConfigError('STRATA_CAPTION_URL needs STRATA_CAPTION_MODEL (the vision model to ask)');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model,
    apiKey: optional(env, 'STRATA_CAPTION_API_KEY'),
    prompt: str(env, 'STRATA_CAPTION_PROMPT', 'Describe this image in one short sentence.'),
    maxSide: int(env, 'STRATA_CAPTION_MAX_SIDE', 768, 64, 4096),
  };
}

const defaultClusterThresholds = [0.9, 0.8, 0.7, 0.6, 0.55];

function clusterThresholds(env: Env): number[] {
  const raw = optional(env, 'STRATA_CLUSTER_THRESHOLDS');
  if (raw === null) return defaultClusterThresholds;
  const values = raw.split(',').map((v) => Number(v.trim()));
  const decreasing = values.every((v, i) => i === 0 || v <= values[i - 1]!);
  if (values.length !== 5 || !decreasing || values.some((v) => !Number.isFinite(v) || v < -1 || v > 1)) {
    throw new ConfigError(`STRATA_CLUSTER_THRESHOLDS must be 5 comma-separated cosine similarities (-1 … 1) from finest to coarsest, not increasing; got "${raw}"`);
  }
  return values;
}

function s3Config(env: Env): S3Config | null {
  const bucket = optional(env, 'STRATA_S3_BUCKET');
  const endpoint = optional(env, 'STRATA_S3_ENDPOINT');
  if (bucket === null) {
    if (endpoint !== null) throw new ConfigError('STRATA_S3_ENDPOINT is set but STRATA_S3_BUCKET is not: name the bucket for media');
    return null;
  }
  if (endpoint !== null && !/^https?:\/\//.test(endpoint)) throw new ConfigError('STRATA_S3_ENDPOINT must be an http(s):// URL');
  const accessKeyId = optional(env, 'STRATA_S3_ACCESS_KEY_ID');
  const secretAccessKey = optional(env, 'STRATA_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError('STRATA_S3_ACCESS_KEY_ID and STRATA_S3_SECRET_ACCESS_KEY must be set together');
  }
  return {
    endpoint,
    bucket,
    region: str(env, 'STRATA_S3_REGION', 'us-east-1'),
    accessKeyId,
    secretAccessKey,
    forcePathStyle: oneOf(env, 'STRATA_S3_FORCE_PATH_STYLE', ['true', 'false'] as const, endpoint !== null ? 'true' : 'false') === 'true',
  };
}

/** Whether only this machine can reach an address: 127.0.0.0/8, ::1 or localhost. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = optional(env, 'STRATA_DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('STRATA_DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite)');
  }
  const queue = oneOf(env, 'STRATA_QUEUE', ['inprocess', 'pgboss'] as const, databaseUrl !== null ? 'pgboss' : 'inprocess');
  if (queue === 'pgboss' && databaseUrl === null) {
    throw new ConfigError('STRATA_QUEUE=pgboss needs STRATA_DATABASE_URL (pg-boss keeps its jobs in PostgreSQL)');
  }
  const adminEmail = optional(env, 'STRATA_ADMIN_EMAIL');
  const adminPassword = optional(env, 'STRATA_ADMIN_PASSWORD');
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('STRATA_ADMIN_EMAIL and STRATA_ADMIN_PASSWORD must be set together');
  }
  const importRoots = str(env, 'STRATA_IMPORT_ROOTS', '')
    .split(':')
    .filter((p) => p !== '')
    .map((p) => resolve(p));
  // A mistyped or unmounted root would otherwise show only later, as every path under it refused.
  const missingRoot = importRoots.find((p) => !statSync(p, { throwIfNoEntry: false })?.isDirectory());
  if (missingRoot !== undefined) throw new ConfigError(`STRATA_IMPORT_ROOTS: no folder at ${missingRoot}`);
  const role = oneOf(env, 'STRATA_ROLE', ['all', 'api', 'worker'] as const, 'all');
  if (role !== 'all' && (databaseUrl === null || queue !== 'pgboss')) {
    throw new ConfigError(`STRATA_ROLE=${role} needs STRATA_DATABASE_URL and STRATA_QUEUE=pgboss: separate processes share work through PostgreSQL`);
  }
  if (role === 'api' && optional(env, 'STRATA_SECRET_KEY') === null) {
    throw new ConfigError('STRATA_ROLE=api needs STRATA_SECRET_KEY: every API process must decrypt the same API secrets');
  }
  const dataDir = resolve(str(env, 'STRATA_DATA_DIR', './data'));
  const host = str(env, 'STRATA_HOST', '127.0.0.1');
  const auth = oneOf(env, 'STRATA_AUTH', ['jwt', 'none'] as const, 'jwt');
  if (auth === 'none' && !isLoopback(host)) {
    throw new ConfigError(
      `STRATA_AUTH=none serves every request that carries no credentials as an admin, so it needs STRATA_HOST to be a loopback address (127.0.0.1, ::1 or localhost); got "${host}"`,
    );
  }
  const workers = int(env, 'STRATA_WORKERS', Math.max(1, cpus().length), 1, 256);
  const config: Config = {
    host,
    auth,
    port: int(env, 'STRATA_PORT', 2080, 0, 65535),
    dataDir,
    importRoots,
    adminEmail,
    adminPassword,
    databaseUrl,
    queue,
    s3: s3Config(env),
    role,
    logLevel: oneOf(env, 'STRATA_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    secretKey: optional(env, 'STRATA_SECRET_KEY'),
    jwtMaxLifetimeSeconds: int(env, 'STRATA_JWT_MAX_LIFETIME_SECONDS', 86_400, 60, 30 * 86_400),
    sessionTtlSeconds: int(env, 'STRATA_SESSION_TTL_SECONDS', 7 * 86_400, 60, 365 * 86_400),
    workers,
    maxUploadFileBytes: int(env, 'STRATA_MAX_UPLOAD_FILE_BYTES', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    maxUploadFilesPerRequest: int(env, 'STRATA_MAX_UPLOAD_FILES_PER_REQUEST', 10_000, 1, 1_000_000),
    archive: {
      maxBytes: int(env, 'STRATA_MAX_ARCHIVE_BYTES', 20 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
      maxEntries: int(env, 'STRATA_MAX_ARCHIVE_ENTRIES', 100_000, 1, 10_000_000),
      maxExpandedBytes: int(env, 'STRATA_MAX_ARCHIVE_EXPANDED_BYTES', 40 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    },
    maxImagePixels: int(env, 'STRATA_MAX_IMAGE_PIXELS', 100_000_000, 1, 2 ** 32),
    thumbnailSize: int(env, 'STRATA_THUMBNAIL_SIZE', 256, 16, 2048),
    videoFps: num(env, 'STRATA_VIDEO_FPS', 1, 0.001, 60),
    videoMaxFrames: int(env, 'STRATA_VIDEO_MAX_FRAMES', 300, 1, 100_000),
    ffmpegPath: str(env, 'STRATA_FFMPEG', 'ffmpeg'),
    ffprobePath: str(env, 'STRATA_FFPROBE', 'ffprobe'),
    heifConvertPath: str(env, 'STRATA_HEIF_CONVERT', 'heif-convert'),
    jobRetryLimit: int(env, 'STRATA_JOB_RETRY_LIMIT', 3, 0, 100),
    jobExpirySeconds: env.STRATA_JOB_EXPIRY_SECONDS ? int(env, 'STRATA_JOB_EXPIRY_SECONDS', 120, 5, 86_400) : null,
    queueMaintenanceSeconds: int(env, 'STRATA_QUEUE_MAINTENANCE_SECONDS', 60, 1, 3600),
    exportTtlSeconds: int(env, 'STRATA_EXPORT_TTL_SECONDS', 86_400, 60, 365 * 86_400),
    embedder: embedderConfig(env, dataDir),
    multimodal: { clip: clipConfig(env), captions: captionEndpointConfig(env) },
    similarity: {
      neighbours: int(env, 'STRATA_KNN_NEIGHBOURS', 10, 2, 100),
      clusterThresholds: clusterThresholds(env),
      outlierZ: num(env, 'STRATA_OUTLIER_Z', 3, 0.5, 100),
      copyCheckThreads: workers,
      qualityIssueScore: num(env, 'STRATA_QUALITY_ISSUE_SCORE', 0.5, 0, 1),
    },
  };
  return Object.freeze(config);
}
