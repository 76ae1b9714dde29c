import * as tf from '@tensorflow/tfjs';
import { type FusedConvNet, liveSteps, type Step, stepInputs } from './fused-conv-net.ts';
import { ProtoMessage } from './protobuf-writer.ts';

/**
 * 8-bit quantisation of the exported network, in ONNX Runtime's QDQ form: each quantised
 * tensor passes through QuantizeLinear → DequantizeLinear, and ONNX Runtime fuses these with the
 * convolutions into integer kernels (about twice as fast as float on x86). Weights are int8,
 * symmetric, one scale per output channel; activations uint8 over `ranges` (measured on photos
 * by bench/neardup/int8-ranges.ts), except ReLU6 outputs, which are exactly [0, 6].
 */
export interface Int8Quantisation {
  /** min and max of every tensor that is neither a ReLU6 output nor the input of a float convolution, by name. */
  ranges: Readonly<Record<string, readonly [number, number]>>;
  /** This many convolutions from the input stay float: the errors of the first layers spread through all the rest. */
  floatConvs: number;
}

export interface OnnxExportOptions {
  int8?: Int8Quantisation;
  /** Every tensor `int8.ranges` would need, also as a graph output: what measuring them runs. */
  exposeActivations?: boolean;
}

/**
 * Writes a compiled FusedConvNet as an ONNX model (opset 13), so ONNX Runtime can run the very
 * same folded weights: no Python converter (tf2onnx) is needed. Input `pixels`: float NHWC
 * [batch, size, size, 3], scaled like the TF.js input; output `features`: [batch, channels].
 * Field numbers follow onnx.proto.
 */
export function exportOnnx(net: FusedConvNet, inputSize: number, options: OnnxExportOptions = {}): Uint8Array {
  const { steps, output } = net.graph;
  const live = liveSteps([...steps], output);
  const readers = steps.map(() => 0);
  steps.forEach((step, i) => {
    if (live[i]) for (const j of stepInputs(step)) readers[j]!++;
  });
  // Same folding the TF.js path does for regular convs; ONNX's Conv takes pads for depthwise
  // (grouped) convolutions too, so every pad feeding only a `valid` conv disappears.
  const foldedPad = (step: Step): Extract<Step, { kind: 'pad' }> | null => {
    if (step.kind !== 'conv' || step.pad !== 'valid') return null;
    const producer = steps[step.input]!;
    return producer.kind === 'pad' && readers[step.input] === 1 ? producer : null;
  };
  steps.forEach((step) => {
    if (foldedPad(step) && step.kind === 'conv') live[step.input] = false;
  });

  const graph = new ProtoMessage();
  const name = (i: number) => `s${i}`;
  let counter = 0;
  const node = (op: string, inputs: string[], out: string, attributes: ProtoMessage[] = []): void => {
    const n = new ProtoMessage().strings(1, inputs).string(2, out).string(3, `${op}_${counter++}`).string(4, op);
    for (const attribute of attributes) n.message(5, attribute);
    graph.message(1, n);
  };
  const initializer = (tensorName: string, dims: number[], data: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array): string => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const t = new ProtoMessage().ints(1, dims).int(2, tensorTypeOf(data));
    graph.message(5, t.string(8, tensorName).bytes(9, bytes));
    return tensorName;
  };
  const floats = (tensor: tf.Tensor, perm?: number[]): Float32Array =>
    tf.tidy(() => (perm ? tf.transpose(tensor, perm) : tensor).dataSync() as Float32Array).slice();
  const zero = initializer('zero', [], new Float32Array([0]));
  const six = initializer('six', [], new Float32Array([6]));

  // Quantisation: the range each float tensor is quantised over, and the dequantised copy of
  // each tensor already made (a tensor read twice, as by a residual Add, is quantised once).
  const { int8 } = options;
  const relu6Outputs = new Set<string>();
  const exposed: string[] = [];
  const quantised = new Map<string, string>();
  const rangeOf = (tensor: string): readonly [number, number] => {
    if (relu6Outputs.has(tensor)) return [0, 6];
    const range = int8?.ranges[tensor];
    if (range === undefined) throw new Error(`no int8 range for tensor ${tensor}`);
    return range;
  };
  /** The uint8 scale and zero point of a tensor; its range always includes 0, which must be exact. */
  const activationScale = (tensor: string): { scale: number; zeroPoint: number } => {
    const [min, max] = rangeOf(tensor);
    const lo = Math.min(min, 0);
    const scale = (Math.max(max, 0) - lo) / 255 || 1;
    return { scale, zeroPoint: Math.round(-lo / scale) };
  };
  /** The tensor as the next node reads it: through QuantizeLinear → DequantizeLinear when quantising. */
  const read = (tensor: string): string => {
    if (!int8) return tensor;
    let dequantised = quantised.get(tensor);
    if (dequantised === undefined) {
      const { scale, zeroPoint } = activationScale(tensor);
      const s = initializer(`${tensor}_scale`, [], new Float32Array([scale]));
      const z = initializer(`${tensor}_zero`, [], new Uint8Array([zeroPoint]));
      node('QuantizeLinear', [tensor, s, z], `${tensor}_q`);
      dequantised = `${tensor}_dq`;
      node('DequantizeLinear', [`${tensor}_q`, s, z], dequantised);
      quantised.set(tensor, dequantised);
    }
    return dequantised;
  };
  /** A tensor whose range quantising needs (anything but a ReLU6 output). */
  const measured = (tensor: string): void => {
    if (options.exposeActivations) exposed.push(tensor);
  };
  let convIndex = 0;

  steps.forEach((step, i) => {
    if (!live[i]) return;
    const out = i === output ? 'features' : name(i);
    switch (step.kind) {
      case 'input':
        node('Transpose', ['pixels'], out, [ints('perm', [0, 3, 1, 2])]);
        measured(out);
        return;
      case 'pad': {
        const [[top, bottom], [left, right]] = step.padding;
        const pads = initializer(`${out}_pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
        node('Pad', [read(name(step.input)), pads], out);
        measured(out);
        return;
      }
      case 'conv':
        emitConv(step, i, out);
        return;
      case 'affine': {
        const c = step.scale.size;
        const scale = initializer(`${out}_scale`, [1, c, 1, 1], floats(step.scale));
        const offset = initializer(`${out}_offset`, [1, c, 1, 1], floats(step.offset));
        node('Mul', [read(name(step.input)), scale], `${out}_mul`);
        node('Add', [`${out}_mul`, offset], out);
        measured(out);
        return;
      }
      case 'activation':
        activation(step.activation, read(name(step.input)), out);
        return;
      case 'add':
        node(step.inputs.length === 2 ? 'Add' : 'Sum', step.inputs.map((j) => read(name(j))), out);
        measured(out);
        return;
      case 'globalAveragePool':
        node('GlobalAveragePool', [read(name(step.input))], `${out}_pool`);
        node('Flatten', [`${out}_pool`], out, [int('axis', 1)]);
        return;
    }
  });

  function activation(kind: 'linear' | 'relu' | 'relu6', input: string, out: string): void {
    if (kind === 'relu6') node('Clip', [input, zero, six], out);
    else if (kind === 'relu') node('Relu', [input], out);
    else node('Identity', [input], out);
    if (kind === 'relu6') relu6Outputs.add(out);
    else measured(out);
  }

  function emitConv(step: Extract<Step, { kind: 'conv' }>, i: number, out: string): void {
    const [kh, kw, inC, outC] = step.filter.shape;
    let input = name(step.input);
    let pads: number[] | null = null;
    const pad = foldedPad(step);
    if (typeof step.pad !== 'string') {
      const [, [top, bottom], [left, right]] = step.pad;
      pads = [top, left, bottom, right];
    } else if (pad) {
      const [[top, bottom], [left, right]] = pad.padding;
      pads = [top, left, bottom, right];
      input = name(pad.input);
    }
    // ONNX weight layout: [out channels, in channels per group, kh, kw].
    const dims = step.depthwise ? [inC, 1, kh, kw] : [outC, inC, kh, kw];
    const weights = floats(step.filter, step.depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
    const bias = step.bias && floats(step.bias);
    const inputs = int8 && convIndex >= int8.floatConvs
      ? quantisedConv(name(i), input, dims, weights, bias)
      : [input, initializer(`${name(i)}_w`, dims, weights), ...(bias ? [initializer(`${name(i)}_b`, [bias.length], bias)] : [])];
    convIndex++;
    const attributes = [ints('kernel_shape', [kh, kw]), ints('strides', step.strides)];
    attributes.push(pads ? ints('pads', pads) : str('auto_pad', step.pad === 'same' ? 'SAME_UPPER' : 'VALID'));
    if (step.depthwise) attributes.push(int('group', inC));
    const convOut = step.activation === 'linear' ? out : `${out}_conv`;
    node('Conv', inputs, convOut, attributes);
    if (step.activation !== 'linear') activation(step.activation, convOut, out);
    else measured(out);
  }

  /**
   * A convolution's inputs when quantised: the input as read, int8 weights with one scale per
   * output channel, and an int32 bias on the product of the input's and the weights' scales
   * (the accumulator's unit), each through DequantizeLinear.
   */
  function quantisedConv(prefix: string, input: string, dims: number[], weights: Float32Array, bias: Float32Array | null): string[] {
    const channels = dims[0]!;
    const perChannel = weights.length / channels;
    const scales = new Float32Array(channels);
    const q = new Int8Array(weights.length);
    for (let c = 0; c < channels; c++) {
      let max = 0;
      for (let k = c * perChannel; k < (c + 1) * perChannel; k++) max = Math.max(max, Math.abs(weights[k]!));
      const scale = max / 127 || 1;
      scales[c] = scale;
      for (let k = c * perChannel; k < (c + 1) * perChannel; k++) q[k] = Math.round(weights[k]! / scale);
    }
    const dequantise = (what: string, values: Int8Array | Int32Array, valueDims: number[], valueScales: Float32Array): string => {
      const zeros = values instanceof Int8Array ? new Int8Array(channels) : new Int32Array(channels);
      const args = [initializer(`${prefix}_${what}_q`, valueDims, values), initializer(`${prefix}_${what}_scale`, [channels], valueScales), initializer(`${prefix}_${what}_zero`, [channels], zeros)];
      node('DequantizeLinear', args, `${prefix}_${what}`, [int('axis', 0)]);
      return `${prefix}_${what}`;
    };
    const inputs = [read(input), dequantise('w', q, dims, scales)];
    if (bias) {
      const inputScale = activationScale(input).scale;
      const biasScales = scales.map((s) => s * inputScale);
      inputs.push(dequantise('b', Int32Array.from(bias, (b, c) => Math.round(b / biasScales[c]!)), [channels], biasScales));
    }
    return inputs;
  }

  graph.string(2, 'strata-embedder');
  graph.message(11, valueInfo('pixels', ['batch', inputSize, inputSize, 3]));
  const channels = featureChannels(steps, output);
  graph.message(12, valueInfo('features', ['batch', channels]));
  for (const tensor of exposed) graph.message(12, valueInfo(tensor, ['batch', 'channels', 'height', 'width']));
  const opset = new ProtoMessage().string(1, '').int(2, 13);
  return new ProtoMessage().int(1, 8).string(2, 'strata').message(7, graph).message(8, opset).finish();
}

/** TensorProto.DataType of an initializer's values. */
function tensorTypeOf(data: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array): number {
  if (data instanceof Float32Array) return 1;
  if (data instanceof Uint8Array) return 2;
  if (data instanceof Int8Array) return 3;
  if (data instanceof Int32Array) return 6;
  return 7;
}

function featureChannels(steps: readonly Step[], output: number): number {
  // Walk back to the last convolution: its output channels are the pooled feature size.
  for (let i = output; i >= 0; i--) {
    const step = steps[i]!;
    if (step.kind === 'conv') return step.depthwise ? step.filter.shape[2] : step.filter.shape[3];
  }
  throw new Error('no convolution in the network');
}

/** A graph input or output: its name, shape and element type (TensorProto.DataType; 1 float, 7 int64). */
export function valueInfo(name: string, dims: Array<number | string>, elemType = 1): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new ProtoMessage().int(1, d) : new ProtoMessage().string(2, d));
  }
  const tensor = new ProtoMessage().int(1, elemType).message(2, shape);
  return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensor));
}

// AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (INT 2, STRING 3, INTS 7).
export function int(name: string, value: number): ProtoMessage {
  return new ProtoMessage().string(1, name).int(3, value).int(20, 2);
}

function ints(name: string, values: readonly number[]): ProtoMessage {
  return new ProtoMessage().string(1, name).ints(8, values).int(20, 7);
}

function str(name: string, value: string): ProtoMessage {
  return new ProtoMessage().string(1, name).string(4, value).int(20, 3);
}
