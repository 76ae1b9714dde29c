import type { Static } from '@sinclair/typebox';
import { tokenSource, type StrataAuth } from './auth.ts';
import { endpoints, type Endpoint, type JsonEndpoint } from './endpoints.ts';
import { errorFromResponse, noAnswerError } from './errors.ts';
import { readEvents } from './sse.ts';
import type { DatasetEvent, DatasetJson, DatasetPoll, ExportOptions, RankedScore, TaskListOptions, UploadFile } from './types.ts';
import { waitForStatus, type WaitOptions } from './wait.ts';

type E = typeof endpoints;
type Body<K extends keyof E> = E[K] extends JsonEndpoint<infer S> ? Static<S> : never;

export interface StrataClientOptions {
  /** The server's origin, e.g. `http://localhost:8080`; '' for the page's own origin in a browser. */
  baseUrl: string;
  auth: StrataAuth;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

interface CallOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A typed client for every route of the API (see endpoints.ts), for Node and browsers alike:
 * fetch only, no Node modules. Failures throw StrataApiError carrying the status and `detail`.
 */
export class StrataClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly token: (() => Promise<string>) | null;

  constructor(options: StrataClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.token = 'apiKey' in options.auth ? tokenSource(options.auth.apiKey, options.auth.apiSecret, options.auth.tokenLifetimeSeconds) : null;
  }

  health() {
    return this.json('health');
  }

  /** Opens a session (the SESSION cookie, kept by a browser) with an email and password. */
  login(username: string, password: string) {
    return this.json('login', { body: JSON.stringify({ username, password }), headers: { 'content-type': 'application/json' } });
  }

  logout() {
    return this.json('logout');
  }

  createApiCredentials() {
    return this.json('createApiCredentials');
  }

  /** The caller's keys that still work, oldest first: ids and creation times, never the secrets. */
  listApiKeys() {
    return this.json('listApiKeys');
  }

  revokeApiKey(apiKey: string) {
    return this.json('revokeApiKey', { params: { api_key: apiKey } });
  }

  listDatasets(options: { sortBy?: 'date' | 'name' } = {}) {
    return this.json('listDatasets', { query: { sort_by: options.sortBy } });
  }

  async getDataset(datasetId: string, options: { signal?: AbortSignal } = {}): Promise<DatasetJson> {
    return (await this.pollDataset(datasetId, null, options)).dataset!;
  }

  /** The dataset unless it is unchanged since `etag`, with the server's advice on when to ask again. */
  async pollDataset(datasetId: string, etag: string | null, options: { signal?: AbortSignal } = {}): Promise<DatasetPoll> {
    const res = await this.send(endpoints.getDataset, { params: { dataset_id: datasetId }, headers: etag !== null ? { 'if-none-match': etag } : {}, signal: options.signal }, [200, 304]);
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      dataset: res.status === 304 ? null : ((await res.json()) as DatasetJson),
      etag: res.headers.get('etag') ?? etag,
      retryAfterSeconds: res.headers.has('retry-after') && Number.isFinite(retryAfter) ? retryAfter : null,
    };
  }

  creationStatus(datasetId: string) {
    return this.json('creationStatus', { params: { dataset_id: datasetId } });
  }

  /** A dataset indexed from a server-side folder, file:// URI, manifest or s3:// prefix. */
  createDataset(input: { name: string; bucketPath: string; description?: string }) {
    const body = JSON.stringify({ dataset_name: input.name, bucket_path: input.bucketPath, ...(input.description !== undefined && { description: input.description }) });
    return this.json('createDataset', { body, headers: { 'content-type': 'application/json' } });
  }

  /** The same from Visual Layer's on-prem route: a folder path and a name, in the query. */
  processFolder(path: string, name: string) {
    return this.json('processFolder', { query: { path, name } });
  }

  /** Adds a local folder's media to a dataset (the on-prem form of add_media). */
  processAddMedia(datasetId: string, path: string, options: { autoReindex?: boolean } = {}) {
    return this.json('processAddMedia', { query: { dataset_id: datasetId, path, ...(options.autoReindex !== undefined && { auto_reindex: String(options.autoReindex) }) } });
  }

  deleteDataset(datasetId: string) {
    return this.json('deleteDataset', { params: { dataset_id: datasetId } });
  }

  /** A page of per-item failures and how many there are in all. */
  async listErrors(datasetId: string, page: { offset?: number; limit?: number } = {}): Promise<{ errors: Body<'listErrors'>; total: number }> {
    const res = await this.send(endpoints.listErrors, { params: { dataset_id: datasetId }, query: { offset: page.offset, limit: page.limit } });
    const errors = (await res.json()) as Body<'listErrors'>;
    return { errors, total: Number(res.headers.get('x-total-count') ?? errors.length) };
  }

  /** Gives another user access (Visual Layer's form field `user_email`). */
  shareDataset(datasetId: string, email: string) {
    return this.json('shareDataset', { params: { dataset_id: datasetId }, body: JSON.stringify({ user_email: email }), headers: { 'content-type': 'application/json' } });
  }

  /** The same as shareDataset, in the form of Visual Layer's newer PUT /manage/{id}/invite. */
  inviteToDataset(datasetId: string, email: string) {
    return this.json('inviteToDataset', { params: { dataset_id: datasetId }, body: JSON.stringify({ grant_to_user_email: email }), headers: { 'content-type': 'application/json' } });
  }

  /** The owner, then the users the dataset is shared with. */
  datasetMembers(datasetId: string) {
    return this.json('datasetMembers', { params: { dataset_id: datasetId } });
  }

  unshareDataset(datasetId: string, email: string) {
    return this.json('unshareDataset', { params: { dataset_id: datasetId }, query: { user_email: email } });
  }

  /**
   * The dataset's status events until it is deleted, the stream ends or `signal` aborts: the
   * current status first (unless `lastEventId` is already current), then one per change.
   */
  async *datasetEvents(datasetId: string, options: { signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<DatasetEvent> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...(options.lastEventId !== undefined && { 'last-event-id': options.lastEventId }) };
    const res = await this.send(endpoints.datasetEvents, { params: { dataset_id: datasetId }, headers, signal: options.signal });
    if (res.body === null) return;
    for await (const event of readEvents(res.body)) {
      if (event.event === 'deleted') return yield { type: 'deleted' };
      if (event.event === 'status') yield { type: 'status', dataset: JSON.parse(event.data) as DatasetJson, revision: event.id };
    }
  }

  /** Waits until the dataset reaches one of `until` (default: READY, PARTIAL INDEX or ERROR). */
  waitForStatus(datasetId: string, options: WaitOptions = {}): Promise<DatasetJson> {
    return waitForStatus(this, datasetId, options);
  }

  /**
   * Adds media to a READY or PARTIAL INDEX dataset from exactly one source: `files`, one
   * `archive` (.zip, .tar, .tar.gz) or `s3Uri` (s3:// or a path under the import roots).
   * The dataset is READ ONLY until the batch ends, then PARTIAL INDEX (READY with autoReindex).
   */
  addMedia(datasetId: string, source: { files: readonly UploadFile[] } | { archive: UploadFile } | { s3Uri: string }, options: { autoReindex?: boolean; signal?: AbortSignal } = {}) {
    const form = new FormData();
    if (options.autoReindex) form.append('auto_reindex', 'true');
    if ('files' in source) for (const file of source.files) form.append('files', file.data, file.name);
    else if ('archive' in source) form.append('archive', source.archive.data, source.archive.name);
    else form.append('s3_uri', source.s3Uri);
    return this.json('addMedia', { params: { dataset_id: datasetId }, body: form, signal: options.signal });
  }

  /** Recomputes groups, clusters, outliers and uniqueness of a PARTIAL INDEX dataset. */
  reindex(datasetId: string) {
    return this.json('reindex', { params: { dataset_id: datasetId } });
  }

  /** Step 1 of an upload: an empty DRAFT dataset. */
  newDataset(name: string) {
    return this.json('newDataset', { query: { dataset_name: name } });
  }

  /** Step 2: a transaction that uploads join. */
  openTransaction(datasetId: string) {
    return this.json('openTransaction', { params: { dataset_id: datasetId } });
  }

  /** Step 3, any number of times: files into the open transaction. */
  uploadFiles(datasetId: string, transId: number, files: readonly UploadFile[], options: { signal?: AbortSignal } = {}) {
    const form = new FormData();
    for (const file of files) form.append('files', file.data, file.name);
    return this.json('uploadFiles', { params: { dataset_id: datasetId, trans_id: transId }, body: form, signal: options.signal });
  }

  /** The files a transaction holds, in upload order: what a resumed upload need not send again. */
  listTransactionFiles(datasetId: string, transId: number, page: { after?: number; limit?: number } = {}) {
    return this.json('listTransactionFiles', { params: { dataset_id: datasetId, trans_id: transId }, query: { after: page.after, limit: page.limit } });
  }

  /** Step 4: index what was uploaded. */
  processFiles(datasetId: string, transId: number) {
    return this.json('processFiles', { params: { dataset_id: datasetId, trans_id: transId } });
  }

  /** Media in the stable order; or one cluster's (`clusterId`); or those with `issue` at `minConfidence` or more, highest first. */
  listMedia(datasetId: string, page: { pageNumber?: number; pageSize?: number; clusterId?: string; issue?: RankedScore; minConfidence?: number } = {}) {
    const query = { page_number: page.pageNumber, page_size: page.pageSize, cluster_id: page.clusterId, issue: page.issue, min_confidence: page.minConfidence };
    return this.json('listMedia', { params: { dataset_id: datasetId }, query });
  }

  getMedia(datasetId: string, mediaId: string) {
    return this.json('getMedia', { params: { dataset_id: datasetId, media_id: mediaId } });
  }

  /** Ids of the media duplicating this one at `threshold` (a level from 0.96 to 1.0). */
  mediaDuplicates(datasetId: string, mediaId: string, options: { threshold?: number } = {}) {
    return this.json('mediaDuplicates', { params: { dataset_id: datasetId, media_id: mediaId }, query: { threshold: options.threshold } });
  }

  /** A page of the dataset's duplicate groups at a level (0.96 … 1.0), largest first. */
  duplicateGroups(datasetId: string, options: { threshold?: number; pageNumber?: number; pageSize?: number } = {}) {
    return this.json('duplicateGroups', { params: { dataset_id: datasetId }, query: { threshold: options.threshold, page_number: options.pageNumber, page_size: options.pageSize } });
  }

  async mediaImage(datasetId: string, mediaId: string): Promise<Blob> {
    return (await this.send(endpoints.mediaImage, { params: { dataset_id: datasetId, media_id: mediaId } })).blob();
  }

  async mediaThumbnail(datasetId: string, mediaId: string): Promise<Blob> {
    return (await this.send(endpoints.mediaThumbnail, { params: { dataset_id: datasetId, media_id: mediaId } })).blob();
  }

  explore(
    datasetId: string,
    query: {
      entityType?: 'IMAGES' | 'OBJECTS';
      threshold?: number;
      pageNumber?: number;
      anchorMediaId?: string;
      anchorType?: 'MEDIA' | 'UPLOAD';
      vql?: string;
      labels?: string;
      /** Text-to-image search (needs a dataset enriched with MULTIMODEL_IMAGE_ENCODING). */
      caption?: string;
      textualSimilarityThreshold?: number;
    } = {},
  ) {
    return this.json('explore', {
      params: { dataset_id: datasetId },
      query: {
        entity_type: query.entityType,
        threshold: query.threshold,
        page_number: query.pageNumber,
        anchor_media_id: query.anchorMediaId,
        anchor_type: query.anchorType,
        vql: query.vql,
        labels: query.labels,
        caption: query.caption,
        textual_similarity_threshold: query.textualSimilarityThreshold,
      },
    });
  }

  /** Uploads a query image (optionally a box in it: [x, y, w, h] in pixels, or {x, y, width, height} in fractions 0–1); explore with the anchor it returns. */
  searchImageSimilarity(datasetId: string, image: UploadFile, options: { boundingBox?: readonly number[] | { x: number; y: number; width: number; height: number } } = {}) {
    const form = new FormData();
    form.append('file', image.data, image.name);
    if (options.boundingBox !== undefined) form.append('bounding_box', JSON.stringify(options.boundingBox));
    return this.json('searchImageSimilarity', { params: { dataset_id: datasetId }, body: form });
  }

  /** Starts exporting the whole dataset as a zip: metadata.json or metadata.parquet, and the media with `includeImages`. */
  exportDataset(datasetId: string, options: ExportOptions = {}) {
    return this.json('exportDataset', { params: { dataset_id: datasetId }, query: exportQuery(options) });
  }

  /** Starts exporting a selection: `{type: 'media', payload: {media_ids}}` or `{type: 'cluster', payload: {cluster_id, vql?, excluded_media_ids?}}` entries. */
  exportEntities(datasetId: string, mediaSelection: readonly unknown[], options: ExportOptions = {}) {
    const body = JSON.stringify({ media_selection: mediaSelection });
    return this.json('exportEntities', { params: { dataset_id: datasetId }, query: exportQuery(options), body, headers: { 'content-type': 'application/json' } });
  }

  exportStatus(datasetId: string, exportTaskId: string) {
    return this.json('exportStatus', { params: { dataset_id: datasetId }, query: { export_task_id: exportTaskId } });
  }

  /** The finished export's zip. */
  async exportDownload(datasetId: string, exportTaskId: string): Promise<Blob> {
    return (await this.send(endpoints.exportDownload, { params: { dataset_id: datasetId, export_task_id: exportTaskId } })).blob();
  }

  /** A page of tasks of the datasets you can see, newest first unless `sortBy`/`sortOrder` say otherwise. */
  listTasks(query: TaskListOptions = {}) {
    return this.json('listTasks', {
      query: {
        dataset_id: query.datasetId,
        dataset_name: query.datasetName,
        task_type: query.taskType,
        task_status: query.taskStatus,
        created_by: query.createdBy,
        start_time_from: query.startTimeFrom,
        start_time_to: query.startTimeTo,
        sort_by: query.sortBy,
        sort_order: query.sortOrder,
        page: query.page,
        page_size: query.pageSize,
      },
    });
  }

  /** The task types, statuses, datasets and users the task list can be filtered on. */
  taskFilters() {
    return this.json('taskFilters');
  }

  /** Asks a running task to stop (it ends ABORTED once its work has stopped); 409 if it has finished. */
  abortTask(taskId: string) {
    return this.json('abortTask', { params: { task_id: taskId } });
  }

  /** Runs a FAILED or ABORTED creation, addition or reindex again, keeping what it finished. */
  retryTask(taskId: string) {
    return this.json('retryTask', { params: { task_id: taskId } });
  }

  /** The finished export's zip as a stream, for writing to disk without holding it whole. */
  async exportDownloadStream(datasetId: string, exportTaskId: string, options: { signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send(endpoints.exportDownload, { params: { dataset_id: datasetId, export_task_id: exportTaskId }, signal: options.signal });
    return res.body ?? new Blob([]).stream();
  }

  /** The enrichment models, Active or Coming Soon. */
  listEnrichmentModels(datasetId: string) {
    return this.json('listEnrichmentModels', { params: { dataset_id: datasetId } });
  }

  /** Which models made this dataset (an enrichment copy), and how far it got; status NEW for none. */
  enrichmentContext(datasetId: string) {
    return this.json('enrichmentContext', { params: { dataset_id: datasetId } });
  }

  /** Starts enriching a copy of the dataset: `{OBJECT_DETECTION: modelId, …}`. Returns the copy's id. */
  enrichDataset(datasetId: string, enrichmentModels: Readonly<Record<string, string>>) {
    const body = JSON.stringify({ enrichment_models: enrichmentModels });
    return this.json('enrichDataset', { params: { dataset_id: datasetId }, body, headers: { 'content-type': 'application/json' } });
  }

  private async json<K extends keyof E>(name: K, options: CallOptions = {}): Promise<Body<K>> {
    const res = await this.send(endpoints[name], options);
    return (await res.json()) as Body<K>;
  }

  /**
   * The URL of an endpoint with its path parameters filled in: for what a browser fetches
   * by itself, such as an <img> of a thumbnail (authenticated by the session cookie).
   */
  urlOf(name: keyof E, params: Record<string, string | number> = {}, query: Record<string, string | number | undefined> = {}): string {
    return this.urlFor(endpoints[name], params, query);
  }

  private urlFor(endpoint: Endpoint, params: Record<string, string | number>, query: Record<string, string | number | undefined>): string {
    const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`${endpoint.path}: missing path parameter ${name}`);
      return encodeURIComponent(String(value));
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    return `${this.baseUrl}${path}${search.size > 0 ? `?${search}` : ''}`;
  }

  /** Sends one request; any status outside `expected` (the endpoint's success status) throws. */
  private async send(endpoint: Endpoint, options: CallOptions, expected: readonly number[] = [endpoint.status]): Promise<Response> {
    const url = this.urlFor(endpoint, options.params ?? {}, options.query ?? {});
    const path = url.slice(this.baseUrl.length).replace(/\?.*$/, '');
    const headers: Record<string, string> = { ...options.headers };
    if (this.token !== null) headers.authorization = `Bearer ${await this.token()}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: endpoint.method,
        headers,
        ...(options.body !== undefined && { body: options.body }),
        ...(options.signal !== undefined && { signal: options.signal }),
        // A browser sends the SESSION cookie only when asked to (and only to its own origin by default).
        ...(this.token === null && { credentials: 'include' as const }),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw noAnswerError(err, this.baseUrl, endpoint.method, path);
    }
    if (!expected.includes(res.status)) throw await errorFromResponse(res, endpoint.method, path);
    return res;
  }
}

const exportQuery = (o: ExportOptions) => ({ export_format: o.format, include_images: o.includeImages === undefined ? undefined : String(o.includeImages), file_name: o.fileName });
