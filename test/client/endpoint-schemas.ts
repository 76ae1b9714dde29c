import { ApiCredentials, ApiKeyList, CreationStatus, Dataset, DatasetCreated, DatasetDeleted, DatasetList, DatasetMembers, DuplicateGroups, DuplicateIds, EnrichmentContext, EnrichmentModels, ExploreResult, ExportStarted, ExportStatus, FilesUploaded, Health, ItemFailures, LoginResult, MediaAdditionStarted, MediaDetail, MediaPage, Message, NullBody, ProcessAddMediaStarted, ProcessStarted, ProcessingStarted, ReindexStarted, Task, TaskFilters, TaskList, TransactionFiles, TransactionOpened, UploadAnchor, refTo } from '../../src/api/schemas.ts';
import type { endpoints, JsonEndpoint } from '../../src/client/endpoints.ts';

type E = typeof endpoints;
type JsonName = { [K in keyof E]: E[K] extends JsonEndpoint ? K : never }[keyof E];
type SchemaOf<K extends JsonName> = E[K] extends JsonEndpoint<infer T> ? T : never;

/**
 * The schema value of every JSON route of the client's table, each checked by the compiler to
 * be the schema type the client reads that route with; the agreement test compares them with
 * the served OpenAPI document.
 */
export const responseSchemas: { [K in JsonName]: SchemaOf<K> } = {
  health: Health,
  login: LoginResult,
  logout: Message,
  createApiCredentials: ApiCredentials,
  listApiKeys: ApiKeyList,
  revokeApiKey: Message,
  listDatasets: DatasetList,
  getDataset: refTo(Dataset),
  creationStatus: CreationStatus,
  createDataset: DatasetCreated,
  processFolder: ProcessStarted,
  processAddMedia: ProcessAddMediaStarted,
  deleteDataset: DatasetDeleted,
  listErrors: ItemFailures,
  shareDataset: Message,
  inviteToDataset: NullBody,
  datasetMembers: DatasetMembers,
  unshareDataset: NullBody,
  addMedia: MediaAdditionStarted,
  reindex: ReindexStarted,
  newDataset: DatasetCreated,
  openTransaction: TransactionOpened,
  uploadFiles: FilesUploaded,
  listTransactionFiles: TransactionFiles,
  processFiles: ProcessingStarted,
  listMedia: MediaPage,
  getMedia: refTo(MediaDetail),
  mediaDuplicates: DuplicateIds,
  duplicateGroups: DuplicateGroups,
  explore: ExploreResult,
  searchImageSimilarity: UploadAnchor,
  exportDataset: ExportStarted,
  exportEntities: ExportStarted,
  exportStatus: ExportStatus,
  listTasks: TaskList,
  taskFilters: TaskFilters,
  abortTask: refTo(Task),
  retryTask: refTo(Task),
  listEnrichmentModels: EnrichmentModels,
  enrichmentContext: EnrichmentContext,
  enrichDataset: DatasetCreated,
};
