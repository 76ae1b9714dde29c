import * as tf from '@tensorflow/tfjs';
import type { KerasLayer, KerasModelTopology } from './nsfwjs-weights.ts';

/**
 * Runs a Keras functional convolutional network (the op set MobileNetV2 needs) as fused TF.js
 * kernels instead of through tfjs-layers. tfjs-layers executes every BatchNormalization, ReLU
 * and ZeroPadding layer as its own pass over the activations: on the wasm backend the batch
 * norms alone cost more than all the convolutions. Here, at load time, each inference-mode
 * batch norm is folded into the convolution before it (scaled kernel plus a bias), the ReLU6
 * after it becomes the convolution's fused activation, and a zero padding before a `valid`
 * (non-depthwise) convolution becomes that convolution's explicit padding. Same arithmetic up to float
 * rounding, one XNNPACK call per convolution.
 *
 * Unsupported layer types fail at compile time, never silently.
 */
export interface FusedConvNet {
  /** NHWC float input → the output layer's tensor. Intermediate tensors are freed as it goes. */
  predict(input: tf.Tensor4D): tf.Tensor;
  /** The compiled steps, in execution order, for exporters (see onnx-export.ts). */
  readonly graph: { readonly steps: readonly Step[]; readonly output: number };
  dispose(): void;
}

export type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
export type Activation = 'linear' | 'relu' | 'relu6';

export type Step =
  | { kind: 'input' }
  | { kind: 'pad'; input: number; padding: [[number, number], [number, number]] }
  | {
      kind: 'conv';
      input: number;
      depthwise: boolean;
      filter: tf.Tensor4D;
      bias: tf.Tensor1D | null;
      strides: [number, number];
      pad: Padding;
      activation: Activation;
    }
  | { kind: 'affine'; input: number; scale: tf.Tensor1D; offset: tf.Tensor1D }
  | { kind: 'activation'; input: number; activation: Exclude<Activation, 'linear'> }
  | { kind: 'add'; inputs: number[] }
  | { kind: 'globalAveragePool'; input: number };

interface Node {
  step: Step;
  /** The Keras layer whose output this node now produces (after fusing later layers in). */
  layer: string;
}

/** Compiles `topology` with `weights` (layer/weight names as Keras saved them; not consumed). */
export function compileFusedConvNet(
  topology: KerasModelTopology,
  weights: tf.NamedTensorMap,
): FusedConvNet {
  const outputs = topology.model_config.config.output_layers;
  if (outputs.length !== 1) throw new Error('exactly one output layer is supported');
  const builder = new GraphBuilder(topology.model_config.config.layers, weights);
  try {
    for (const layer of topology.model_config.config.layers) builder.add(layer);
    return new Executor(builder.steps(), builder.indexOf(outputs[0]![0]), builder.owned);
  } catch (error) {
    tf.dispose(builder.owned);
    throw error;
  }
}

/** Turns Keras layers, in topological order, into steps, fusing what follows a convolution. */
class GraphBuilder {
  readonly owned: tf.Tensor[] = [];
  readonly #nodes: Node[] = [];
  readonly #nodeOf = new Map<string, number>();
  readonly #consumers: Map<string, number>;

  constructor(
    layers: readonly KerasLayer[],
    private readonly weights: tf.NamedTensorMap,
  ) {
    this.#consumers = countConsumers(layers);
  }

  steps(): Step[] {
    return this.#nodes.map((node) => node.step);
  }

  indexOf(layerName: string): number {
    const index = this.#nodeOf.get(layerName);
    if (index === undefined) throw new Error(`layer ${layerName} not computed`);
    return index;
  }

  add(layer: KerasLayer): void {
    const c = layer.config;
    switch (layer.class_name) {
      case 'InputLayer':
        return this.#push(layer, { kind: 'input' });
      case 'ZeroPadding2D':
        return this.#push(layer, { kind: 'pad', input: this.#input(layer), padding: c.padding as [[number, number], [number, number]] });
      case 'Conv2D':
      case 'DepthwiseConv2D':
        return this.#conv(layer);
      case 'BatchNormalization':
        return this.#batchNorm(layer);
      case 'ReLU':
        return this.#relu(layer);
      case 'Add':
        return this.#push(layer, { kind: 'add', inputs: inboundNames(layer).map((name) => this.indexOf(name)) });
      case 'GlobalAveragePooling2D':
        return this.#push(layer, { kind: 'globalAveragePool', input: this.#input(layer) });
      default:
        throw new Error(`layer ${layer.name}: ${layer.class_name} is not supported`);
    }
  }

  #conv(layer: KerasLayer): void {
    const c = layer.config;
    const depthwise = layer.class_name === 'DepthwiseConv2D';
    checkConv(layer);
    let from = this.#input(layer);
    let pad: Padding = c.padding as 'same' | 'valid';
    const producer = this.#soleProducer(layer)?.node.step;
    // tf.fused.depthwiseConv2d takes no explicit padding, so only regular convs absorb pads.
    // The pad node stays in the list, but nothing reads it any more, so it never runs.
    if (!depthwise && pad === 'valid' && producer?.kind === 'pad') {
      const [[top, bottom], [left, right]] = producer.padding;
      pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
      from = producer.input;
    }
    const filter = this.#weight(`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`) as tf.Tensor4D;
    this.#push(layer, {
      kind: 'conv',
      input: from,
      depthwise,
      filter: this.#keep(filter.clone()),
      bias: c.use_bias ? this.#keep(this.#weight(`${layer.name}/bias`).clone() as tf.Tensor1D) : null,
      strides: c.strides as [number, number],
      pad,
      activation: activationOf(layer, c.activation),
    });
  }

  /** Inference-mode batch norm: y = x·s + o per channel; folded into the conv before it. */
  #batchNorm(layer: KerasLayer): void {
    checkBatchNorm(layer);
    const c = layer.config;
    const [scale, offset] = tf.tidy(() => {
      const eps = (c.epsilon as number | undefined) ?? 1e-3;
      const gamma = c.scale === false ? tf.scalar(1) : this.#weight(`${layer.name}/gamma`);
      const beta = c.center === false ? tf.scalar(0) : this.#weight(`${layer.name}/beta`);
      const mean = this.#weight(`${layer.name}/moving_mean`);
      const s = gamma.mul(this.#weight(`${layer.name}/moving_variance`).add(eps).rsqrt()) as tf.Tensor1D;
      return [s, beta.sub(mean.mul(s)) as tf.Tensor1D];
    });
    const producer = this.#soleProducer(layer);
    const step = producer?.node.step;
    if (!producer || step?.kind !== 'conv' || step.activation !== 'linear') {
      this.#push(layer, { kind: 'affine', input: this.#input(layer), scale: this.#keep(scale), offset: this.#keep(offset) });
      return;
    }
    // conv(x, k)·s + o  ==  conv(x, k·s) + (b·s + o), per output channel.
    const filter = tf.tidy(() => step.filter.mul(step.depthwise ? scale.reshape([-1, 1]) : scale) as tf.Tensor4D);
    const bias = tf.tidy(() => (step.bias ? step.bias.mul(scale).add(offset) : offset.clone()) as tf.Tensor1D);
    this.#release(step.filter, step.bias, scale, offset);
    step.filter = this.#keep(filter);
    step.bias = this.#keep(bias);
    this.#fuse(layer, producer.index);
  }

  #relu(layer: KerasLayer): void {
    const activation = reluKind(layer);
    const producer = this.#soleProducer(layer);
    const step = producer?.node.step;
    if (producer && step?.kind === 'conv' && step.activation === 'linear') {
      step.activation = activation;
      this.#fuse(layer, producer.index);
    } else {
      this.#push(layer, { kind: 'activation', input: this.#input(layer), activation });
    }
  }

  /** The node feeding `layer`, if that node's output has no other consumer (so it can fuse). */
  #soleProducer(layer: KerasLayer): { index: number; node: Node } | null {
    const index = this.#nodeOf.get(inboundNames(layer)[0] ?? '');
    const node = index === undefined ? undefined : this.#nodes[index];
    if (index === undefined || !node || this.#consumers.get(node.layer) !== 1) return null;
    return { index, node };
  }

  #input(layer: KerasLayer): number {
    return this.indexOf(inboundNames(layer)[0] ?? '');
  }

  #push(layer: KerasLayer, step: Step): void {
    this.#nodes.push({ step, layer: layer.name });
    this.#nodeOf.set(layer.name, this.#nodes.length - 1);
  }

  #fuse(layer: KerasLayer, index: number): void {
    this.#nodes[index]!.layer = layer.name;
    this.#nodeOf.set(layer.name, index);
  }

  #weight(name: string): tf.Tensor {
    const tensor = this.weights[name];
    if (!tensor) throw new Error(`weight ${name} missing`);
    return tensor;
  }

  #keep<T extends tf.Tensor>(tensor: T): T {
    this.owned.push(tensor);
    return tensor;
  }

  #release(...tensors: Array<tf.Tensor | null>): void {
    for (const tensor of tensors) {
      if (!tensor) continue;
      tensor.dispose();
      const i = this.owned.indexOf(tensor);
      if (i >= 0) this.owned.splice(i, 1);
    }
  }
}

class Executor implements FusedConvNet {
  /** How many later steps read each step's output (the output counts as one more reader). */
  readonly #readers: number[];
  /** Steps the output depends on: fused-away paddings are not. */
  readonly #live: boolean[];
  readonly graph: FusedConvNet['graph'];

  constructor(
    private readonly steps: Step[],
    private readonly output: number,
    private readonly owned: tf.Tensor[],
  ) {
    this.graph = { steps, output };
    this.#live = liveSteps(steps, output);
    this.#readers = steps.map(() => 0);
    steps.forEach((step, i) => {
      if (this.#live[i]) for (const j of stepInputs(step)) this.#readers[j]!++;
    });
    this.#readers[output]!++;
  }

  predict(input: tf.Tensor4D): tf.Tensor {
    const values: Array<tf.Tensor | null> = this.steps.map(() => null);
    const readers = [...this.#readers];
    // The input belongs to the caller; everything else is freed once its last reader ran.
    const release = (i: number): void => {
      if (--readers[i]! === 0 && this.steps[i]!.kind !== 'input') values[i]?.dispose();
    };
    try {
      for (let i = 0; i <= this.output; i++) {
        if (!this.#live[i]) continue;
        const step = this.steps[i]!;
        values[i] = step.kind === 'input' ? input : run(step, values);
        for (const j of stepInputs(step)) release(j);
      }
      return values[this.output]!;
    } catch (error) {
      values.forEach((value, i) => {
        if (this.steps[i]!.kind !== 'input') value?.dispose();
      });
      throw error;
    }
  }

  dispose(): void {
    tf.dispose(this.owned);
    this.owned.length = 0;
  }
}

function run(step: Exclude<Step, { kind: 'input' }>, values: Array<tf.Tensor | null>): tf.Tensor {
  const get = (i: number) => values[i] as tf.Tensor4D;
  switch (step.kind) {
    case 'pad':
      return tf.pad(get(step.input), [[0, 0], ...step.padding, [0, 0]]);
    case 'conv': {
      const args = {
        x: get(step.input),
        filter: step.filter,
        strides: step.strides,
        bias: step.bias ?? undefined,
        activation: step.activation,
      };
      if (!step.depthwise) return tf.fused.conv2d({ ...args, pad: step.pad });
      if (typeof step.pad !== 'string') throw new Error('depthwise convolution with explicit padding');
      return tf.fused.depthwiseConv2d({ ...args, pad: step.pad });
    }
    case 'affine':
      return tf.tidy(() => get(step.input).mul(step.scale).add(step.offset));
    case 'activation':
      return step.activation === 'relu6' ? tf.relu6(get(step.input)) : tf.relu(get(step.input));
    case 'add':
      return step.inputs.length === 2
        ? tf.add(get(step.inputs[0]!), get(step.inputs[1]!))
        : tf.addN(step.inputs.map(get));
    case 'globalAveragePool':
      return tf.mean(get(step.input), [1, 2]);
  }
}

export function stepInputs(step: Step): number[] {
  switch (step.kind) {
    case 'input':
      return [];
    case 'add':
      return step.inputs;
    default:
      return [step.input];
  }
}

/** Steps the output depends on (fused-away pads are left dead). */
export function liveSteps(steps: Step[], output: number): boolean[] {
  const live = steps.map(() => false);
  const stack = [output];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (live[i]) continue;
    live[i] = true;
    stack.push(...stepInputs(steps[i]!));
  }
  return live;
}

function inboundNames(layer: KerasLayer): string[] {
  if (layer.inbound_nodes.length > 1) throw new Error(`layer ${layer.name} is shared: not supported`);
  const node = (layer.inbound_nodes[0] ?? []) as Array<[string, number, number, unknown]>;
  return node.map(([name, nodeIndex, tensorIndex]) => {
    if (nodeIndex !== 0 || tensorIndex !== 0) throw new Error(`layer ${layer.name}: multi-output inputs not supported`);
    return name;
  });
}

function countConsumers(layers: readonly KerasLayer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const layer of layers) {
    for (const name of inboundNames(layer)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function checkConv(layer: KerasLayer): void {
  const c = layer.config;
  const dilation = (c.dilation_rate as number[] | undefined) ?? [1, 1];
  if (dilation.some((d) => d !== 1)) throw new Error(`layer ${layer.name}: dilation not supported`);
  if ((c.data_format ?? 'channels_last') !== 'channels_last') throw new Error(`layer ${layer.name}: channels_first`);
  if (layer.class_name === 'DepthwiseConv2D' && (c.depth_multiplier ?? 1) !== 1) {
    throw new Error(`layer ${layer.name}: depth_multiplier ≠ 1 not supported`);
  }
}

function checkBatchNorm(layer: KerasLayer): void {
  const axis = layer.config.axis;
  if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) {
    throw new Error(`layer ${layer.name}: batch norm over axis ${JSON.stringify(axis)} not supported`);
  }
}

function activationOf(layer: KerasLayer, name: unknown): Activation {
  if (name === 'linear' || name === 'relu' || name === 'relu6') return name;
  throw new Error(`layer ${layer.name}: activation ${String(name)} not supported`);
}

function reluKind(layer: KerasLayer): 'relu' | 'relu6' {
  const { max_value: max, negative_slope: slope, threshold } = layer.config;
  if ((slope ?? 0) !== 0 || (threshold ?? 0) !== 0) throw new Error(`layer ${layer.name}: leaky/thresholded ReLU not supported`);
  if (max === 6) return 'relu6';
  if (max === null || max === undefined) return 'relu';
  throw new Error(`layer ${layer.name}: ReLU max ${String(max)} not supported`);
}
