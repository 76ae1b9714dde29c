import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { rankedScores } from '../domain/similarity/issues.ts';

/**
 * The REST API's bodies as TypeBox schemas, shared by the server (validation, serialisation,
 * OpenAPI) and the typed client (its types are `Static` of these), so the two cannot drift.
 * Schemas with an `$id` are registered once on the server and referenced with `Type.Ref`;
 * the id is also their name in the OpenAPI document. Imports nothing but TypeBox and the
 * domain's list of issue types (itself import-free). The typed client reads only their types,
 * so TypeBox stays out of the browser bundle.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A reference to a schema registered by its `$id`, typed as that schema. */
export const refTo = <T extends TSchema>(schema: T): RefTo<T> => Type.Unsafe<Static<T>>(Type.Ref(schema.$id!));
export type RefTo<T extends TSchema> = TUnsafe<Static<T>>;

export const ErrorBody = Type.Object(
  {
    detail: Type.Unknown({ description: 'A message, or for schema and VQL errors a list of problems' }),
    request_id: Type.Optional(Type.String()),
    status: Type.Optional(Type.Literal('error', { description: "On Visual Layer's on-prem routes (/api/v1/process): always error" })),
    message: Type.Optional(Type.String({ description: 'On the on-prem routes: detail again, under the name they use' })),
  },
  { $id: 'Error' },
);

export const datasetStatuses = ['DRAFT', 'INDEXING', 'READ ONLY', 'PARTIAL INDEX', 'READY', 'ERROR'] as const;

const Processing = Type.Object({
  operation: Type.String(),
  status: Type.String(),
  stage: Type.String(),
  done: Type.Integer(),
  total: Nullable(Type.Integer()),
  failed: Type.Integer(),
  n_frames: Type.Integer(),
  started_at: Nullable(Type.String()),
  ended_at: Nullable(Type.String()),
  eta_seconds: Nullable(Type.Integer()),
  paused_reason: Nullable(Type.String()),
  abort_requested: Type.Boolean({ description: 'An abort was asked for (the operation is stopping, or was aborted)' }),
});

export const Dataset = Type.Object(
  {
    id: Type.String(),
    display_name: Type.String(),
    description: Type.String(),
    source_type: Type.String(),
    owned_by: Type.String(),
    created_at: Type.String(),
    status: Type.String({ description: 'Legacy status, derived from status_new' }),
    status_new: Type.Union(datasetStatuses.map((s) => Type.Literal(s))),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    n_images: Type.Integer(),
    n_videos: Type.Integer(),
    n_objects: Type.Integer(),
    fatal_error_msg: Nullable(Type.String()),
    source_dataset_id: Nullable(Type.String()),
    processing: Type.Optional(Processing),
  },
  { $id: 'Dataset' },
);

const Issue = Type.Object({
  issue_type: Type.String(),
  confidence: Type.Number(),
  reason: Type.Record(Type.String(), Type.Unknown()),
});

const mediaFields = {
  media_id: Type.String(),
  type: Type.Union([Type.Literal('IMAGE'), Type.Literal('VIDEO_FRAME'), Type.Literal('OBJECT')]),
  file_name: Type.String(),
  original_uri: Type.String(),
  media_uri: Type.String(),
  media_thumb_uri: Type.String(),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  format: Nullable(Type.String()),
  file_size: Nullable(Type.Integer()),
  labels: Type.Array(Type.Unknown()),
  captions: Type.Array(Type.String(), { description: 'The image\'s caption, imported with the dataset or written by CAPTION_IMAGES, if any' }),
  uniqueness_score: Nullable(Type.Number()),
  cluster_id: Nullable(Type.String()),
  duplicate_group_id: Nullable(Type.Integer()),
  issues: Type.Array(Issue),
  video_id: Type.Optional(Nullable(Type.String())),
  frame_index: Type.Optional(Nullable(Type.Integer())),
  frame_timestamp: Type.Optional(Nullable(Type.Number())),
  relevance_score: Type.Optional(Type.Number()),
  image_id: Type.Optional(Type.String({ description: 'For an object: the image it was found in' })),
  bounding_box: Type.Optional(Type.Object({ x: Type.Integer(), y: Type.Integer(), width: Type.Integer(), height: Type.Integer() }, { description: 'For an object: its box in the image\'s displayed pixels' })),
  confidence: Type.Optional(Type.Number({ description: 'For an object: the detector\'s confidence' })),
};

/** An indexed image or video frame, as the media and explore APIs show it. */
export const Media = Type.Object(mediaFields, { $id: 'Media' });

export const MediaDetail = Type.Object(
  {
    ...mediaFields,
    scores: Type.Object({
      uniqueness: Nullable(Type.Number()),
      max_similarity: Nullable(Type.Number()),
      outlier: Nullable(Type.Number()),
      blur: Nullable(Type.Number()),
      dark: Nullable(Type.Number()),
      bright: Nullable(Type.Number()),
      low_information: Nullable(Type.Number()),
      grayscale: Nullable(Type.Number()),
    }),
    clusters: Nullable(Type.Array(Type.String())),
    objects: Type.Array(
      Type.Object({
        object_id: Type.String(),
        label: Type.String(),
        confidence: Type.Number(),
        bounding_box: Type.Object({ x: Type.Integer(), y: Type.Integer(), width: Type.Integer(), height: Type.Integer() }, { description: 'In the image\'s displayed pixels' }),
      }),
      { description: 'Objects found by OBJECT_DETECTION, most confident first' },
    ),
    metadata_items: Type.Array(
      Type.Object({ type: Type.Literal('caption'), properties: Type.Object({ caption: Type.String(), source: Type.Union([Type.Literal('CAPTION_IMAGES'), Type.Literal('ANNOTATIONS')]) }) }),
      { description: 'The caption, written by CAPTION_IMAGES or imported with the dataset (ANNOTATIONS), as exports give it' },
    ),
    byte_hash: Nullable(Type.String()),
    phash: Nullable(Type.String()),
    exif: Nullable(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
    created_at: Type.String(),
  },
  { $id: 'MediaDetail' },
);

/** A media item inside an explore cluster, with the fields Visual Layer's previews carry. */
export const Preview = Type.Object(
  {
    ...mediaFields,
    labels: Nullable(Type.Array(Type.Unknown({ description: 'null when the item has none' }))),
    image_id: Type.String({ description: 'media_id, under its older name' }),
    image_uri: Type.String({ description: 'media_uri, under its older name' }),
    caption: Nullable(Type.String()),
    bounding_box: Nullable(Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() }, { description: "An object's box; null for images" })),
    relevance_score_type: Nullable(Type.String({ description: 'cosine_distance when relevance_score is given' })),
    user_tags: Nullable(Type.Array(Type.Unknown())),
  },
  { $id: 'Preview' },
);

export const Cluster = Type.Object(
  {
    type: Type.String(),
    n_objects: Type.Integer(),
    similarity_threshold: Type.String(),
    labels: Nullable(Type.Array(Type.String(), { description: "The matching members' labels, the most frequent first (at most 10); null when they have none" })),
    user_tags: Nullable(Type.Array(Type.Unknown())),
    captions: Nullable(Type.Array(Type.Unknown())),
    cluster_id: Type.String(),
    n_images: Type.Integer(),
    n_videos: Type.Integer(),
    n_frames: Type.Integer(),
    size_display_value: Type.String({ description: 'The members\' files, in units of 1024 ("0B", "12MB")' }),
    relevance_score: Nullable(Type.Number()),
    relevance_score_type: Nullable(Type.String()),
    formed_by: Type.Union([Type.Literal('connected_components'), Type.Literal('similarity_search')], {
      description: 'connected_components: a cluster of the similarity graph; similarity_search: one result of an anchor search',
    }),
    previews: Type.Array(refTo(Preview)),
  },
  { $id: 'Cluster' },
);

export const Health = Type.Object({ status: Type.String() });
export const Message = Type.Object({ message: Type.String() });
export const LoginResult = Type.Object({ message: Type.String(), email: Type.String(), role: Type.String() });
export const ApiCredentials = Type.Object({ api_key: Type.String(), api_secret: Type.String(), message: Type.String() });
export const ApiKeyList = Type.Array(
  Type.Object({
    api_key: Type.String(),
    created_at: Type.String({ description: 'UTC' }),
    last_used_at: Nullable(Type.String({ description: 'UTC, to the minute: when the key last authenticated a request; null if never' })),
  }),
  { description: "The caller's keys not revoked, oldest first; never their secrets" },
);

export const DatasetList = Type.Array(refTo(Dataset));
export const CreationStatus = Type.Object({ status: Type.String(), progress: Type.Integer() });
export const DatasetCreated = Type.Object({ dataset_id: Type.String() });
/** GET /api/v1/process, as Visual Layer's on-prem installs answer it. */
export const ProcessStarted = Type.Object({ status: Type.Literal('success'), message: Type.String(), dataset_id: Type.String(), name: Type.String() });
export const ProcessAddMediaStarted = Type.Object({ status: Type.Literal('success'), message: Type.String(), dataset_id: Type.String(), task_id: Type.String() });
export const DatasetDeleted = Type.Object({ dataset_id: Type.String(), deleted: Type.Boolean() });
/**
 * The JSON `null` some Visual Layer routes answer with. Written as a nullable empty object:
 * OpenAPI 3.0 has no null type, and a `type: "null"` response would be documented as no body.
 */
export const NullBody = Type.Unsafe<null>({ type: 'object', nullable: true, maxProperties: 0, description: 'Always null' });

/** Who has access to a dataset, as Visual Layer's GET /manage/{id}/share lists them. */
export const DatasetMembers = Type.Array(Type.Object({ email: Type.String(), role: Type.String({ description: 'owner, or the role of a user it is shared with' }) }));
export const ItemFailures = Type.Array(Type.Object({ file_name: Type.String(), original_uri: Type.String(), stage: Type.String(), reason: Type.String() }));

export const ExploreResult = Type.Object({
  clusters: Type.Array(refTo(Cluster)),
  metadata: Type.Object({
    dataset_id: Type.String(),
    entity_type: Type.String(),
    threshold: Type.Integer(),
    page_number: Type.Integer(),
    page_size: Type.Integer(),
    total_clusters: Type.Integer(),
    anchor_media_id: Type.Optional(Type.String()),
    anchor_type: Type.Optional(Type.String()),
    caption: Type.Optional(Type.String({ description: 'The text of a text-to-image search' })),
    textual_similarity_threshold: Type.Optional(Nullable(Type.Number())),
  }),
});
export const UploadAnchor = Type.Object({ anchor_media_id: Type.String(), anchor_type: Type.Literal('UPLOAD') });

export const TransactionOpened = Type.Object({ trans_id: Type.Integer() });
export const FilesUploaded = Type.Object({
  trans_id: Type.Integer(),
  files_uploaded: Type.Integer(),
  bytes_uploaded: Type.Integer(),
  files_already_uploaded: Type.Integer({ description: 'Of files_uploaded, those the transaction already held (same name and bytes): kept once' }),
});
export const TransactionFiles = Type.Object({
  trans_id: Type.Integer(),
  state: Type.Union([Type.Literal('open'), Type.Literal('submitted')]),
  files: Type.Array(
    Type.Object({
      id: Type.Integer(),
      file_name: Type.String(),
      size_bytes: Type.Integer(),
      sha256: Nullable(Type.String({ description: 'hex SHA-256 of the bytes' })),
    }),
  ),
});
export const ProcessingStarted = Type.Object({ dataset_id: Type.String(), trans_id: Type.Integer(), status: Type.String() });
export const MediaAdditionStarted = Type.Object({
  dataset_id: Type.String(),
  task_id: Type.String(),
  status: Type.Literal('READ ONLY'),
  files_received: Type.Integer({ description: 'media files received in the request (files or archive source); 0 for s3_uri, whose files are listed by the task' }),
});
export const ReindexStarted = Type.Object({ dataset_id: Type.String(), task_id: Type.String(), status: Type.Literal('READ ONLY') });

/** What `GET …/media?issue=` ranks by: an issue's confidence, or the uniqueness score. */
export const RankedScoreName = Type.Union(rankedScores.map((s) => Type.Literal(s)));

export const MediaPage = Type.Object({ media: Type.Array(refTo(Media)), total: Type.Integer() });
export const DuplicateIds = Type.Array(Type.String());
export const DuplicateGroups = Type.Object({
  groups: Type.Array(
    Type.Object({
      group_id: Type.Integer(),
      level: Type.Number(),
      size: Type.Integer({ description: 'Members in the group; media lists the first 100' }),
      media: Type.Array(
        Type.Object({
          media_id: Type.String(),
          file_name: Type.String(),
          media_thumb_uri: Type.String(),
          width: Nullable(Type.Integer()),
          height: Nullable(Type.Integer()),
          file_size: Nullable(Type.Integer()),
          video_id: mediaFields.video_id,
          frame_index: mediaFields.frame_index,
          frame_timestamp: mediaFields.frame_timestamp,
        }),
      ),
    }),
  ),
  total: Type.Integer({ description: 'Groups at this level' }),
  level: Type.Number({ description: 'The level the threshold snapped up to' }),
});

export const ExportStarted = Type.Object({ id: Type.String({ description: 'Export task id, for export_status' }) });
export const ExportStatus = Type.Object({
  id: Type.String(),
  dataset_id: Type.String(),
  status: Type.Union(['INIT', 'IN_PROGRESS', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s))),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  download_uri: Nullable(Type.String({ description: 'Server path of the zip once COMPLETED' })),
  result_message: Nullable(Type.String()),
  export_format: Type.String(),
  include_images: Type.Boolean(),
  file_name: Type.String(),
  size_bytes: Nullable(Type.Integer()),
  created_at: Type.String(),
  finished_at: Nullable(Type.String()),
  expires_at: Nullable(Type.String({ description: 'UTC; the zip is deleted then' })),
});

export const taskTypeNames = ['DATASET_CREATION', 'MEDIA_ADDITION', 'REINDEX', 'ENRICHMENT', 'EXPORT'] as const;
export const taskStatusNames = ['INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'] as const;
export const taskSortNames = ['start_time', 'status', 'task_type', 'dataset_name', 'dataset_id', 'created_by'] as const;

export const Task = Type.Object(
  {
    task_id: Type.String({ description: "An EXPORT task's id is its export's id (export_task_id)" }),
    dataset_id: Type.String(),
    dataset_name: Type.String(),
    dataset_status: Type.Union(datasetStatuses.map((s) => Type.Literal(s)), { description: "The dataset's status_new now" }),
    created_by: Type.String({ description: 'Email of the user who started the operation' }),
    task_type: Type.Union(taskTypeNames.map((s) => Type.Literal(s))),
    status: Type.Union(taskStatusNames.map((s) => Type.Literal(s))),
    status_message: Type.String({ description: 'Where the task is, in words ("Aborting: …" while an abort is under way)' }),
    progress_percentage: Type.Integer({ minimum: 0, maximum: 100 }),
    error_message: Nullable(Type.String()),
    start_time: Type.String({ description: 'When the task was started (UTC, ISO 8601)' }),
    end_time: Nullable(Type.String({ description: 'When it ended (UTC, ISO 8601); null while it runs' })),
    abort_requested: Type.Boolean({ description: 'An abort was asked for; the task stays RUNNING until its work has stopped' }),
    done: Type.Integer({ description: 'Files indexed (kept across a retry)' }),
    failed: Type.Integer({ description: 'Files that failed' }),
    total: Nullable(Type.Integer({ description: 'Files to index; null until the source is listed' })),
  },
  { $id: 'Task' },
);

export const TaskList = Type.Object({
  tasks: Type.Array(refTo(Task)),
  total: Type.Integer({ description: 'Tasks matching the filters' }),
  page: Type.Integer(),
  page_size: Type.Integer(),
});

export const TaskFilters = Type.Object({
  task_types: Type.Array(Type.String()),
  task_statuses: Type.Array(Type.String()),
  datasets: Type.Array(Type.Object({ dataset_id: Type.String(), dataset_name: Type.String() }), { description: 'Datasets with tasks the caller may see' }),
  created_by: Type.Array(Type.String(), { description: 'Emails of the users who started those tasks' }),
  sort_by: Type.Array(Type.String()),
});

/** Schemas the server registers once and the others reference. */
export const sharedSchemas = [ErrorBody, Dataset, Media, MediaDetail, Preview, Cluster, Task] as const;

/** Bodies that are not JSON, described by their media types. */
export const binaryBody = (...types: string[]) => ({
  content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
});
export const eventStreamBody = {
  description: 'text/event-stream: `status` events carrying a Dataset, `deleted` when it is gone',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

const enrichmentTypeSchema = Type.String({ description: 'OBJECT_DETECTION, IMAGE_TAGGING, CAPTION_IMAGES or MULTIMODEL_IMAGE_ENCODING' });

export const EnrichmentModels = Type.Array(
  Type.Object({
    id: Type.String({ description: 'The id to name the model by in enrich_dataset' }),
    name: Type.String(),
    type: enrichmentTypeSchema,
    status: Type.Union([Type.Literal('Active'), Type.Literal('Coming Soon')], { description: 'Only Active models can be applied' }),
    vendor: Type.String(),
    description: Type.String(),
    dependencies: Nullable(Type.Array(Type.String())),
  }),
);

export const EnrichmentContext = Type.Object({
  dataset_id: Type.String(),
  source_dataset_id: Nullable(Type.String()),
  status: Type.Union(['NEW', 'IN_PROGRESS', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s)), { description: 'NEW: no enrichment applied' }),
  dataset_enrichment_models: Nullable(Type.Object({ enrichment_models: Type.Record(Type.String(), Type.String()) })),
  n_objects: Type.Integer(),
  available_models: Type.Record(Type.String(), Type.Object({ id: Type.String(), status: Type.Union([Type.Literal('Active'), Type.Literal('Coming Soon')]), description: Type.String() }), {
    description: 'Enrichment type → the model this installation offers for it; Coming Soon until the operator configures one (the description says what)',
  }),
});

export const EnrichRequest = Type.Object({
  enrichment_models: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 128 }), { description: 'Enrichment type → model id from list_models' }),
});
