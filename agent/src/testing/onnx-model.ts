/**
 * Writes small ONNX models for tests, with no Python and no onnx package: a protobuf encoder for
 * the part of onnx.proto a model needs (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto), field numbers
 * per github.com/onnx/onnx/blob/main/onnx/onnx.proto. Test-only.
 */

/** Protobuf wire writer: varints, length-delimited fields, fixed32 floats. */
class Pb {
  private readonly parts: number[] = [];

  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.parts.push(b);
    } while (n > 0n);
    return this;
  }

  private key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.parts.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Dim = number | string;

export interface OnnxValue {
  name: string;
  dims: Dim[];
  /** Element type; default float. */
  type?: 'float' | 'int64';
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** int, float or ints attributes (e.g. ReduceMean axes, keepdims). */
  attrs?: Record<string, number | number[] | { float: number }>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  floats?: number[];
  int64s?: number[];
}

export interface OnnxGraph {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  initializers?: OnnxInitializer[];
  opset?: number;
}

function valueInfo(v: OnnxValue): Pb {
  const shape = new Pb();
  for (const d of v.dims)
    shape.message(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d));
  const tensorType = new Pb().int(1, v.type === 'int64' ? INT64 : FLOAT).message(2, shape);
  return new Pb().string(1, v.name).message(2, new Pb().message(1, tensorType));
}

function tensor(t: OnnxInitializer): Pb {
  const p = new Pb();
  for (const d of t.dims) p.int(1, d);
  if (t.int64s) {
    p.int(2, INT64);
    const raw = new Uint8Array(new BigInt64Array(t.int64s.map((x) => BigInt(x))).buffer);
    return p.string(8, t.name).bytes(9, raw);
  }
  p.int(2, FLOAT);
  return p.string(8, t.name).bytes(9, new Uint8Array(new Float32Array(t.floats ?? []).buffer));
}

function node(n: OnnxNode, i: number): Pb {
  const p = new Pb();
  for (const x of n.inputs) p.string(1, x);
  for (const x of n.outputs) p.string(2, x);
  p.string(3, `n${i}`).string(4, n.op);
  for (const [name, v] of Object.entries(n.attrs ?? {})) {
    const a = new Pb().string(1, name);
    if (Array.isArray(v)) {
      for (const x of v) a.int(8, x);
      a.int(20, ATTR_INTS);
    } else if (typeof v === 'number') a.int(3, v).int(20, ATTR_INT);
    else a.float(2, v.float).int(20, ATTR_FLOAT);
    p.message(5, a);
  }
  return p;
}

/** An ONNX ModelProto (IR version 7, default domain at `opset`, 13 unless told). */
export function encodeOnnxModel(g: OnnxGraph): Uint8Array {
  const graph = new Pb();
  g.nodes.forEach((n, i) => graph.message(1, node(n, i)));
  graph.string(2, 'test-graph');
  for (const t of g.initializers ?? []) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Pb()
    .int(1, 7)
    .string(2, 'switchboard-tests')
    .message(7, graph)
    .message(8, new Pb().string(1, '').int(2, g.opset ?? 13))
    .finish();
}

const scalar = (name: string, v: number): OnnxInitializer => ({ name, dims: [], floats: [v] });

/**
 * A stand-in with Smart Turn v3's audio-in signature ([batch, 128000] float → [batch, 1]
 * probability) that says "complete" when the first `headSeconds` of the 8 s window hold sound:
 * p = sigmoid(gain · mean|x[0 : head]| + bias). Zero-padding at the front, the 16 kHz rate and the
 * newest-last order all change its answer, which is what the tests need.
 */
export function headEnergyAudioModel(headSeconds = 4, gain = 200, bias = -4): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'audio', dims: ['batch', 128_000] }],
    outputs: [{ name: 'probability', dims: ['batch', 1] }],
    initializers: [
      { name: 'starts', dims: [1], int64s: [0] },
      { name: 'ends', dims: [1], int64s: [headSeconds * 16_000] },
      { name: 'axes', dims: [1], int64s: [1] },
      scalar('gain', gain),
      scalar('bias', bias),
    ],
    nodes: [
      { op: 'Slice', inputs: ['audio', 'starts', 'ends', 'axes'], outputs: ['head'] },
      { op: 'Abs', inputs: ['head'], outputs: ['mag'] },
      { op: 'ReduceMean', inputs: ['mag'], outputs: ['level'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Mul', inputs: ['level', 'gain'], outputs: ['scaled'] },
      { op: 'Add', inputs: ['scaled', 'bias'], outputs: ['logit'] },
      { op: 'Sigmoid', inputs: ['logit'], outputs: ['probability'] },
    ],
  });
}

/**
 * A stand-in with the original Smart Turn v3 signature (input_features [batch, 80, 800] Whisper
 * log-mel → [batch, 1]): p = sigmoid(gain · (mean(features) − offset)). Silence gives −1.5 everywhere.
 */
export function meanFeatureModel(gain = 10, offset = -1.0): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'input_features', dims: ['batch', 80, 800] }],
    outputs: [{ name: 'logits', dims: ['batch', 1] }],
    initializers: [scalar('gain', gain), scalar('offset', offset)],
    nodes: [
      { op: 'ReduceMean', inputs: ['input_features'], outputs: ['m'], attrs: { axes: [2], keepdims: 0 } },
      { op: 'ReduceMean', inputs: ['m'], outputs: ['level'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Sub', inputs: ['level', 'offset'], outputs: ['centred'] },
      { op: 'Mul', inputs: ['centred', 'gain'], outputs: ['logit'] },
      { op: 'Sigmoid', inputs: ['logit'], outputs: ['logits'] },
    ],
  });
}

/** A valid model with the wrong signature (100 samples in). */
export function wrongSignatureModel(): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'x', dims: [1, 100] }],
    outputs: [{ name: 'y', dims: [1, 1] }],
    nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [1], keepdims: 1 } }],
  });
}

/** Audio in, but a "probability" that is not one (a raw sum, far outside 0..1 on silence + 5). */
export function notAProbabilityModel(): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'audio', dims: [1, 128_000] }],
    outputs: [{ name: 'score', dims: [1, 1] }],
    initializers: [scalar('five', 5)],
    nodes: [
      { op: 'ReduceSum', inputs: ['audio'], outputs: ['s'], attrs: { keepdims: 1 } },
      { op: 'Add', inputs: ['s', 'five'], outputs: ['score'] },
    ],
  });
}
