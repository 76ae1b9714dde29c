import sharp from 'sharp';
import type { Detection } from '../domain/detection/detections.ts';
import { copyDescriptorOf, embedInputOf, type ImageAnalysisOptions } from './analyze-image.ts';
import { decodeImage, type DecodedImage } from './image-decode.ts';
import { toGray } from './image-metrics.ts';

/**
 * Objects are cropped from one decode at this longest side: large enough that a small object's
 * crop still fills the embedder's input with detail, small enough to decode quickly.
 */
const workingSize = 1024;

/** An image decoded once for its objects' crops. */
export interface CroppableImage {
  /** Displayed size of the image (after EXIF orientation): the boxes' frame. */
  width: number;
  height: number;
  pixels: DecodedImage['pixels'];
}

export interface DetectionInputs extends CroppableImage {
  /** The whole image stretched to detectorSize² RGB. */
  detectorInput: Buffer;
}

/** The upright image at the working size, from which objects are cropped. */
export async function croppableImageOfFile(path: string, opts: ImageAnalysisOptions): Promise<CroppableImage> {
  const decoded = await decodeImage(path, {
    maxPixels: opts.maxPixels,
    workingSize,
    ...(opts.ffmpegPath !== undefined && { ffmpegPath: opts.ffmpegPath }),
    ...(opts.heifConvertPath !== undefined && { heifConvertPath: opts.heifConvertPath }),
  });
  return { width: decoded.width, height: decoded.height, pixels: decoded.pixels };
}

/** One decode of the file serves the detector and every object's crop. */
export async function detectionInputsOfFile(path: string, opts: ImageAnalysisOptions & { detectorSize: number }): Promise<DetectionInputs> {
  const image = await croppableImageOfFile(path, opts);
  return { ...image, detectorInput: await embedInputOf(image.pixels, opts.detectorSize) };
}

/** The embedder's input and the copy descriptor of one object's box (in displayed pixels). */
export async function objectCropInputs(inputs: CroppableImage, box: Detection['box'], embedSize: number): Promise<{ embedInput: Buffer; copyDescriptor: Uint8Array }> {
  const crop = await cropOf(inputs, box);
  const [embedInput, copyDescriptor] = [embedInputOf(crop, embedSize), copyDescriptorOf(crop, toGray(crop.data, crop.width, crop.height, crop.channels))];
  return { embedInput: await embedInput, copyDescriptor };
}

/** The pixels of one object's box (in displayed pixels), at the working size. */
export async function cropOf(inputs: CroppableImage, box: Detection['box']): Promise<DecodedImage['pixels']> {
  const { pixels } = inputs;
  const sx = pixels.width / inputs.width;
  const sy = pixels.height / inputs.height;
  const left = Math.min(pixels.width - 1, Math.floor(box.x * sx));
  const top = Math.min(pixels.height - 1, Math.floor(box.y * sy));
  const width = Math.max(1, Math.min(pixels.width - left, Math.round(box.width * sx)));
  const height = Math.max(1, Math.min(pixels.height - top, Math.round(box.height * sy)));
  const { data, info } = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } })
    .extract({ left, top, width, height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: pixels.channels };
}
