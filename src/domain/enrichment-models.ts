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
 * The models Strata can apply. Detection and tagging run offline from the CenterNet graph in
 * the @vladmandic/human package. Captions and text-to-image encoding need weights Strata does
 * not ship, so they are listed as Coming Soon and refused.
 */
export const enrichmentModels: readonly EnrichmentModel[] = [
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
    status: 'Coming Soon',
    vendor: 'Strata',
    description: 'Captions for each image. Needs a captioning model, which Strata does not ship: not available offline.',
    dependencies: null,
    aliases: ['vl_image_captioner_v00'],
  },
  {
    id: 'strata_multimodal_encoder_v00',
    name: 'Multimodal-Image-Encoder',
    type: 'MULTIMODEL_IMAGE_ENCODING',
    status: 'Coming Soon',
    vendor: 'Strata',
    description: 'Text-to-image search. Needs image and text encoders (CLIP), which Strata does not ship: not available offline.',
    dependencies: null,
    aliases: [],
  },
];
