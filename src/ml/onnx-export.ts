import * as tf from '@tensorflow/tfjs';
import { type FusedConvNet, liveSteps, type Step, stepInputs } from './fused-conv-net.ts';
import { ProtoMessage } from './protobuf-writer.ts';

/**
 * Writes a compiled FusedConvNet as an ONNX model (opset 13), so ONNX Runtime can run the very
 * same folded weights: no Python converter (tf2onnx) is needed. Input `pixels`: float NHWC
 * [batch, size, size, 3], scaled like the TF.js input; output `features`: [batch, channels].
 * Field numbers follow onnx.proto.
 */
export function exportOnnx(net: FusedConvNet, inputSize: number): Uint8Array {
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
  const initializer = (tensorName: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const t = new ProtoMessage().ints(1, dims).int(2, data instanceof Float32Array ? 1 : 7);
    graph.message(5, t.string(8, tensorName).bytes(9, bytes));
    return tensorName;
  };
  const floats = (tensor: tf.Tensor, perm?: number[]): Float32Array =>
    tf.tidy(() => (perm ? tf.transpose(tensor, perm) : tensor).dataSync() as Float32Array).slice();
  const zero = initializer('zero', [], new Float32Array([0]));
  const six = initializer('six', [], new Float32Array([6]));

  steps.forEach((step, i) => {
    if (!live[i]) return;
    const out = i === output ? 'features' : name(i);
    switch (step.kind) {
      case 'input':
        node('Transpose', ['pixels'], out, [ints('perm', [0, 3, 1, 2])]);
        return;
      case 'pad': {
        const [[top, bottom], [left, right]] = step.padding;
        const pads = initializer(`${out}_pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
        node('Pad', [name(step.input), pads], out);
        return;
      }
      case 'conv':
        emitConv(step, i, out);
        return;
      case 'affine': {
        const c = step.scale.size;
        const scale = initializer(`${out}_scale`, [1, c, 1, 1], floats(step.scale));
        const offset = initializer(`${out}_offset`, [1, c, 1, 1], floats(step.offset));
        node('Mul', [name(step.input), scale], `${out}_mul`);
        node('Add', [`${out}_mul`, offset], out);
        return;
      }
      case 'activation':
        activation(step.activation, name(step.input), out);
        return;
      case 'add':
        node(step.inputs.length === 2 ? 'Add' : 'Sum', step.inputs.map(name), out);
        return;
      case 'globalAveragePool':
        node('GlobalAveragePool', [name(step.input)], `${out}_pool`);
        node('Flatten', [`${out}_pool`], out, [int('axis', 1)]);
        return;
    }
  });

  function activation(kind: 'linear' | 'relu' | 'relu6', input: string, out: string): void {
    if (kind === 'relu6') node('Clip', [input, zero, six], out);
    else if (kind === 'relu') node('Relu', [input], out);
    else node('Identity', [input], out);
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
    const weight = step.depthwise
      ? initializer(`${name(i)}_w`, [inC, 1, kh, kw], floats(step.filter, [2, 3, 0, 1]))
      : initializer(`${name(i)}_w`, [outC, inC, kh, kw], floats(step.filter, [3, 2, 0, 1]));
    const inputs = [input, weight];
    if (step.bias) inputs.push(initializer(`${name(i)}_b`, [step.bias.size], floats(step.bias)));
    const attributes = [ints('kernel_shape', [kh, kw]), ints('strides', step.strides)];
    attributes.push(pads ? ints('pads', pads) : str('auto_pad', step.pad === 'same' ? 'SAME_UPPER' : 'VALID'));
    if (step.depthwise) attributes.push(int('group', inC));
    const convOut = step.activation === 'linear' ? out : `${out}_conv`;
    node('Conv', inputs, convOut, attributes);
    if (step.activation !== 'linear') activation(step.activation, convOut, out);
  }

  graph.string(2, 'strata-embedder');
  graph.message(11, valueInfo('pixels', ['batch', inputSize, inputSize, 3]));
  const channels = featureChannels(steps, output);
  graph.message(12, valueInfo('features', ['batch', channels]));
  const opset = new ProtoMessage().string(1, '').int(2, 13);
  return new ProtoMessage().int(1, 8).string(2, 'strata').message(7, graph).message(8, opset).finish();
}

function featureChannels(steps: readonly Step[], output: number): number {
  // Walk back to the last convolution: its output channels are the pooled feature size.
  for (let i = output; i >= 0; i--) {
    const step = steps[i]!;
    if (step.kind === 'conv') return step.depthwise ? step.filter.shape[2] : step.filter.shape[3];
  }
  throw new Error('no convolution in the network');
}

function valueInfo(name: string, dims: Array<number | string>): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new ProtoMessage().int(1, d) : new ProtoMessage().string(2, d));
  }
  const tensor = new ProtoMessage().int(1, 1).message(2, shape);
  return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensor));
}

// AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (INT 2, STRING 3, INTS 7).
function int(name: string, value: number): ProtoMessage {
  return new ProtoMessage().string(1, name).int(3, value).int(20, 2);
}

function ints(name: string, values: readonly number[]): ProtoMessage {
  return new ProtoMessage().string(1, name).ints(8, values).int(20, 7);
}

function str(name: string, value: string): ProtoMessage {
  return new ProtoMessage().string(1, name).string(4, value).int(20, 3);
}
