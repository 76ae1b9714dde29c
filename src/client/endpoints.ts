import type { TSchema } from '@sinclair/typebox';
import {
  ApiCredentials,
  ApiKeyList,
  CreationStatus,
  Dataset,
  DatasetCreated,
  DatasetDeleted,
  DatasetList,
  DatasetMembers,
  DuplicateGroups,
  DuplicateIds,
  EnrichmentContext,
  EnrichmentModels,
  ExportStarted,
  ExportStatus,
  ExploreResult,
  FilesUploaded,
  Health,
  ItemFailures,
  LoginResult,
  MediaAdditionStarted,
  MediaDetail,
  MediaPage,
  Message,
  NullBody,
  ProcessingStarted,
  ProcessStarted,
  ProcessAddMediaStarted,
  refTo,
  ReindexStarted,
  Task,
  TaskFilters,
  TaskList,
  TransactionFiles,
  TransactionOpened,
  UploadAnchor,
} from '../api/schemas.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface JsonEndpoint<S extends TSchema = TSchema> {
  kind: 'json';
  method: Method;
  /** OpenAPI form: `{name}` for a path parameter. */
  path: string;
  status: number;
  response: S;
}

export interface StreamEndpoint {
  kind: 'bytes' | 'events';
  method: Method;
  path: string;
  status: number;
  mediaTypes: readonly string[];
}

export type Endpoint = JsonEndpoint | StreamEndpoint;

const json = <S extends TSchema>(method: Method, path: string, response: S, status = 200): JsonEndpoint<S> => ({ kind: 'json', method, path, status, response });
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
  health: json('GET', '/api/v1/health', Health),
  login: json('POST', '/api/v1/auth', LoginResult),
  logout: json('POST', '/api/v1/logout', Message),
  createApiCredentials: json('GET', '/api/v1/api_credentials', ApiCredentials),
  listApiKeys: json('GET', '/api/v1/api_keys', ApiKeyList),
  revokeApiKey: json('DELETE', '/api/v1/api_credentials/{api_key}', Message),

  listDatasets: json('GET', '/api/v1/datasets', DatasetList),
  getDataset: json('GET', DATASET, refTo(Dataset)),
  creationStatus: json('GET', '/api/v1/datasets/{dataset_id}/creation-status', CreationStatus),
  createDataset: json('POST', '/api/v1/dataset', DatasetCreated),
  processFolder: json('GET', '/api/v1/process', ProcessStarted),
  processAddMedia: json('GET', '/api/v1/process/add_media', ProcessAddMediaStarted),
  deleteDataset: json('DELETE', DATASET, DatasetDeleted),
  listErrors: json('GET', `${DATASET}/errors`, ItemFailures),
  shareDataset: json('POST', `${DATASET}/share`, Message),
  inviteToDataset: json('PUT', `${MANAGE}/invite`, NullBody),
  datasetMembers: json('GET', `${MANAGE}/share`, DatasetMembers),
  unshareDataset: json('DELETE', `${MANAGE}/share`, NullBody),
  addMedia: json('POST', `${DATASET}/add_media`, MediaAdditionStarted, 202),
  reindex: json('POST', `${DATASET}/reindex`, ReindexStarted, 202),
  datasetEvents: { kind: 'events', method: 'GET', path: `${DATASET}/events`, status: 200, mediaTypes: ['text/event-stream'] } as StreamEndpoint,

  newDataset: json('GET', '/api/v1/ingestion/new_dataset', DatasetCreated),
  openTransaction: json('GET', `${INGESTION}/data_files`, TransactionOpened),
  uploadFiles: json('POST', `${INGESTION}/data_files/{trans_id}`, FilesUploaded, 202),
  listTransactionFiles: json('GET', `${INGESTION}/data_files/{trans_id}`, TransactionFiles),
  processFiles: json('POST', `${INGESTION}/process_files/{trans_id}`, ProcessingStarted, 202),

  listMedia: json('GET', `${DATASET}/media`, MediaPage),
  getMedia: json('GET', MEDIA, refTo(MediaDetail)),
  mediaDuplicates: json('GET', `${MEDIA}/duplicates`, DuplicateIds),
  duplicateGroups: json('GET', `${DATASET}/duplicates`, DuplicateGroups),
  mediaImage: media(`${MEDIA}/image`, ['image/*', 'video/*']),
  mediaThumbnail: media(`${MEDIA}/thumbnail`, ['image/jpeg', 'image/webp']),

  explore: json('GET', '/api/v1/explore/{dataset_id}', ExploreResult),
  searchImageSimilarity: json('POST', `${DATASET}/search-image-similarity`, UploadAnchor),

  exportDataset: json('GET', `${DATASET}/export_context_async`, ExportStarted),
  exportEntities: json('POST', `${DATASET}/export_entities_async`, ExportStarted),
  exportStatus: json('GET', `${DATASET}/export_status`, ExportStatus),
  exportDownload: { kind: 'bytes', method: 'GET', path: `${DATASET}/export_download/{export_task_id}`, status: 200, mediaTypes: ['application/zip'] } as StreamEndpoint,

  listTasks: json('GET', '/api/v1/tasks', TaskList),
  taskFilters: json('GET', '/api/v1/tasks/filters', TaskFilters),
  abortTask: json('POST', '/api/v1/tasks/{task_id}/abort', refTo(Task), 202),
  retryTask: json('POST', '/api/v1/tasks/{task_id}/retry', refTo(Task), 202),
  listEnrichmentModels: json('GET', '/api/v1/enrichment/{dataset_id}/list_models', EnrichmentModels),
  enrichmentContext: json('GET', '/api/v1/enrichment/{dataset_id}/context', EnrichmentContext),
  enrichDataset: json('POST', `${DATASET}/enrich_dataset`, DatasetCreated),
} as const;

export type EndpointName = keyof typeof endpoints;
