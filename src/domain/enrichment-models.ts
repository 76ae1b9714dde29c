/** Enrichment types (SPEC §8). */
export const enrichmentTypes = ['OBJECT_DETECTION', 'IMAGE_TAGGING', 'CAPTION_IMAGES', 'MULTIMODEL_IMAGE_ENCODING'] as const;
export type EnrichmentType = (typeof enrichmentTypes)[number];

export interface EnrichmentModel {
  id: string;
  name: string;
  type: EnrichmentType;
  status: 'Active' | 'Coming Soon';
  vendor: string;
  description: string;
  dependencies: EnrichmentType[] | null;
  /** Other ids a request may name this model by (Visual Layer's, for scripts written for it). */
  aliases: readonly string[];
}

/**
 * What the operator configured for the two model types Strata does not ship (config
 * `multimodal`): a short description of each (which files or endpoint), null when not configured.
 */
export interface ConfiguredModels {
  captions: string | null;
  textSearch: string | null;
}

/**
 * The models Strata can apply. Detection and tagging run offline from the CenterNet graph in
 * the @vladmandic/human package. Captions and text-to-image encoding need models Strata does not
 * ship: Active when the operator configured one, otherwise Coming Soon (and refused) with what
 * to configure.
 */
export function enrichmentModelsOf(configured: ConfiguredModels): readonly EnrichmentModel[] {
  return [
    {
      id: 'strata_object_detector_centernet_v00',
      name: 'CenterNet-COCO-Object-Detector',
      type: 'OBJECT_DETECTION',
      status: 'Active',
      vendor: 'Strata',
      description:
        'Finds and boxes the 80 COCO object classes (person, car, dog, …) in images and video frames, with a confidence per object; each object gets similarity search, duplicates and clusters of its own. MobileNetV3 CenterNet from @vladmandic/human, run offline.',
      dependencies: null,
      aliases: ['vl_object_detector_v00'],
    },
    {
      id: 'strata_image_tagger_centernet_v00',
      name: 'CenterNet-COCO-Image-Tagger',
      type: 'IMAGE_TAGGING',
      status: 'Active',
      vendor: 'Strata',
      description: 'Labels each image with the COCO classes found in it, at the confidence of the most confident object of each class.',
      dependencies: null,
      aliases: [],
    },
    {
      id: 'strata_image_captioner_v00',
      name: 'Image-Captioner',
      type: 'CAPTION_IMAGES',
      status: configured.captions === null ? 'Coming Soon' : 'Active',
      vendor: 'Strata',
      description:
        configured.captions === null
          ? 'Captions for each image. Needs a captioning model, which Strata does not ship: not available until the operator configures an OpenAI-compatible vision endpoint (STRATA_CAPTION_URL, STRATA_CAPTION_MODEL).'
          : `A caption for each image, written by ${configured.captions}; shown in explore and media details, exported, and searched with VQL text fts.`,
      dependencies: null,
      aliases: ['vl_image_captioner_v00'],
    },
    {
      id: 'strata_multimodal_encoder_v00',
      name: 'Multimodal-Image-Encoder',
      type: 'MULTIMODEL_IMAGE_ENCODING',
      status: configured.textSearch === null ? 'Coming Soon' : 'Active',
      vendor: 'Strata',
      description:
        configured.textSearch === null
          ? 'Text-to-image search. Needs image and text encoders (CLIP), which Strata does not ship: not available until the operator configures a CLIP pair (STRATA_CLIP_IMAGE_ONNX, STRATA_CLIP_TEXT_ONNX and its tokenizer).'
          : `Text-to-image search: each image and object is encoded by ${configured.textSearch} into an index that explore's caption parameter searches with a text.`,
      dependencies: null,
      aliases: [],
    },
  ];
}
