/**
 * Just enough protobuf encoding to write an ONNX model (onnx-export.ts): varints, fixed32
 * floats, length-delimited bytes and nested messages. A message is built as a list of chunks
 * and measured once, so nesting costs no re-copying until finish().
 */
export class ProtoMessage {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  int(field: number, value: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(BigInt(value));
    return this;
  }

  ints(field: number, values: Iterable<number | bigint>): this {
    for (const value of values) this.int(field, value);
    return this;
  }

  float(field: number, value: number): this {
    this.#tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  strings(field: number, values: Iterable<string>): this {
    for (const value of values) this.string(field, value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(value.byteLength));
    this.#push(value);
    return this;
  }

  message(field: number, value: ProtoMessage): this {
    this.#tag(field, 2);
    this.#varint(BigInt(value.length));
    for (const chunk of value.#chunks) this.#push(chunk);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  #tag(field: number, wireType: number): void {
    this.#varint(BigInt(field * 8 + wireType));
  }

  #varint(value: bigint): void {
    // Negative int64s are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.#push(Uint8Array.from(bytes));
  }

  #push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }
}
