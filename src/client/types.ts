import type { Static } from '@sinclair/typebox';
import type * as S from '../api/schemas.ts';

/** The API's bodies as TypeScript types, derived from the schemas the server validates and documents. */
export type Dataset = Static<typeof S.Dataset>;
export type DatasetStatus = Dataset['status_new'];
export type Media = Static<typeof S.Media>;
export type MediaDetail = Static<typeof S.MediaDetail>;
export type Cluster = Static<typeof S.Cluster>;
export type ExploreResult = Static<typeof S.ExploreResult>;
export type ItemFailure = Static<typeof S.ItemFailures>[number];
export type ApiCredentials = Static<typeof S.ApiCredentials>;
export type ErrorBody = Static<typeof S.ErrorBody>;
export type DuplicateGroup = Static<typeof S.DuplicateGroups>['groups'][number];
export type RankedScore = Static<typeof S.RankedScoreName>;
export type Task = Static<typeof S.Task>;
export type TaskType = Task['task_type'];
export type TaskStatus = Task['status'];
export type TaskList = Static<typeof S.TaskList>;
export type TaskFilters = Static<typeof S.TaskFilters>;
