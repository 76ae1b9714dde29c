import type { TSchema } from '@sinclair/typebox';
import type * as S from '../api/schemas.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A route answering JSON. `T` is the schema of its body as a type only: the schemas themselves
 * stay out of the client (and so out of the browser bundle); endpoint-schemas.ts pairs each
 * route with its schema value for the server's OpenAPI document to be checked against.
 */
export interface JsonEndpoint<T extends TSchema = TSchema> {
  kind: 'json';
  method: Method;
  /** OpenAPI form: `{name}` for a path parameter. */
  path: string;
  status: number;
  /** Never set: carries the response schema's type. */
  response?: T;
}

export interface StreamEndpoint {
  kind: 'bytes' | 'events';
  method: Method;
  path: string;
  status: number;
  mediaTypes: readonly string[];
}

export type Endpoint = JsonEndpoint | StreamEndpoint;

const json = <T extends TSchema>(method: Method, path: string, status = 200): JsonEndpoint<T> => ({ kind: 'json', method, path, status });
const media = (path: string, mediaTypes: readonly string[]): StreamEndpoint => ({ kind: 'bytes', method: 'GET', path, status: 200, mediaTypes });

const DATASET = '/api/v1/dataset/{dataset_id}';
const MEDIA = `${DATASET}/media/{media_id}`;
const INGESTION = '/api/v1/ingestion/{dataset_id}';
const MANAGE = '/api/v1/manage/{dataset_id}';

/**
 * Every route of the API, named as the client method that calls it. A test checks this table
 * against the served OpenAPI document: same routes, same success statuses, same schemas.
 */
export const endpoints = {
  health: json<typeof S.Health>('GET', '/api/v1/health'),
  login: json<typeof S.LoginResult>('POST', '/api/v1/auth'),
  logout: json<typeof S.Message>('POST', '/api/v1/logout'),
  createApiCredentials: json<typeof S.ApiCredentials>('GET', '/api/v1/api_credentials'),
  listApiKeys: json<typeof S.ApiKeyList>('GET', '/api/v1/api_keys'),
  revokeApiKey: json<typeof S.Message>('DELETE', '/api/v1/api_credentials/{api_key}'),

  listDatasets: json<typeof S.DatasetList>('GET', '/api/v1/datasets'),
  getDataset: json<S.RefTo<typeof S.Dataset>>('GET', DATASET),
  creationStatus: json<typeof S.CreationStatus>('GET', '/api/v1/datasets/{dataset_id}/creation-status'),
  createDataset: json<typeof S.DatasetCreated>('POST', '/api/v1/dataset'),
  processFolder: json<typeof S.ProcessStarted>('GET', '/api/v1/process'),
  processAddMedia: json<typeof S.ProcessAddMediaStarted>('GET', '/api/v1/process/add_media'),
  deleteDataset: json<typeof S.DatasetDeleted>('DELETE', DATASET),
  listErrors: json<typeof S.ItemFailures>('GET', `${DATASET}/errors`),
  shareDataset: json<typeof S.Message>('POST', `${DATASET}/share`),
  inviteToDataset: json<typeof S.NullBody>('PUT', `${MANAGE}/invite`),
  datasetMembers: json<typeof S.DatasetMembers>('GET', `${MANAGE}/share`),
  unshareDataset: json<typeof S.NullBody>('DELETE', `${MANAGE}/share`),
  addMedia: json<typeof S.MediaAdditionStarted>('POST', `${DATASET}/add_media`, 202),
  reindex: json<typeof S.ReindexStarted>('POST', `${DATASET}/reindex`, 202),
  datasetEvents: { kind: 'events', method: 'GET', path: `${DATASET}/events`, status: 200, mediaTypes: ['text/event-stream'] } as StreamEndpoint,

  newDataset: json<typeof S.DatasetCreated>('GET', '/api/v1/ingestion/new_dataset'),
  openTransaction: json<typeof S.TransactionOpened>('GET', `${INGESTION}/data_files`),
  uploadFiles: json<typeof S.FilesUploaded>('POST', `${INGESTION}/data_files/{trans_id}`, 202),
  listTransactionFiles: json<typeof S.TransactionFiles>('GET', `${INGESTION}/data_files/{trans_id}`),
  processFiles: json<typeof S.ProcessingStarted>('POST', `${INGESTION}/process_files/{trans_id}`, 202),

  listMedia: json<typeof S.MediaPage>('GET', `${DATASET}/media`),
  getMedia: json<S.RefTo<typeof S.MediaDetail>>('GET', MEDIA),
  mediaDuplicates: json<typeof S.DuplicateIds>('GET', `${MEDIA}/duplicates`),
  duplicateGroups: json<typeof S.DuplicateGroups>('GET', `${DATASET}/duplicates`),
  mediaImage: media(`${MEDIA}/image`, ['image/*', 'video/*']),
  mediaThumbnail: media(`${MEDIA}/thumbnail`, ['image/jpeg', 'image/webp']),

  explore: json<typeof S.ExploreResult>('GET', '/api/v1/explore/{dataset_id}'),
  searchImageSimilarity: json<typeof S.UploadAnchor>('POST', `${DATASET}/search-image-similarity`),

  exportDataset: json<typeof S.ExportStarted>('GET', `${DATASET}/export_context_async`),
  exportEntities: json<typeof S.ExportStarted>('POST', `${DATASET}/export_entities_async`),
  exportStatus: json<typeof S.ExportStatus>('GET', `${DATASET}/export_status`),
  exportDownload: { kind: 'bytes', method: 'GET', path: `${DATASET}/export_download/{export_task_id}`, status: 200, mediaTypes: ['application/zip'] } as StreamEndpoint,

  listTasks: json<typeof S.TaskList>('GET', '/api/v1/tasks'),
  taskFilters: json<typeof S.TaskFilters>('GET', '/api/v1/tasks/filters'),
  abortTask: json<S.RefTo<typeof S.Task>>('POST', '/api/v1/tasks/{task_id}/abort', 202),
  retryTask: json<S.RefTo<typeof S.Task>>('POST', '/api/v1/tasks/{task_id}/retry', 202),
  listEnrichmentModels: json<typeof S.EnrichmentModels>('GET', '/api/v1/enrichment/{dataset_id}/list_models'),
  enrichmentContext: json<typeof S.EnrichmentContext>('GET', '/api/v1/enrichment/{dataset_id}/context'),
  enrichDataset: json<typeof S.DatasetCreated>('POST', `${DATASET}/enrich_dataset`),
} as const;

export type EndpointName = keyof typeof endpoints;
