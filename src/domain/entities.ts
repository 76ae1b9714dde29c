import type { ItemKind } from './types.ts';

/**
 * What explore and search look at (SPEC §7): whole images (and video frames), or the objects
 * detected in them. The two are clustered and indexed apart: an object's crop is always close
 * to its own image, which would otherwise tie every object to its image.
 */
export type EntityType = 'IMAGES' | 'OBJECTS';

export const entityKinds: Readonly<Record<EntityType, readonly ItemKind[]>> = {
  IMAGES: ['image', 'video_frame'],
  OBJECTS: ['object'],
};

/**
 * Objects' cluster and duplicate-group ids start here, so that they never equal an image's (the
 * tables that hold both are keyed by id).
 */
export const objectIdBase = 1_000_000_000;
