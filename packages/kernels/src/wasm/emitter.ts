/**
 * A tiny WebAssembly binary emitter: just enough to generate SIMD compute
 * kernels at runtime (no .wasm files, no external assembler).
 */

/** WebAssembly value-type codes. @category wasm */
export const T = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;
/** A WebAssembly value-type code. @category wasm */
export type ValType = (typeof T)[keyof typeof T];

/** Appends `value` as unsigned LEB128. @category wasm */
export function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Appends `value` as signed LEB128. @category wasm */
export function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function encStr(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}

/** Builds the body of one function. Methods emit opcodes and return `this`. @category wasm */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  constructor(
    readonly name: string,
    readonly params: ValType[],
    readonly results: ValType[],
    readonly exported = true,
  ) {}

  /** Parameter i is local i. */
  param(i: number): number {
    return i;
  }
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }
  /** An opcode with one unsigned LEB128 immediate (a label depth, function or local index). */
  private opIndex(opcode: number, index: number): this {
    this.op(opcode);
    uleb(this.code, index);
    return this;
  }
  private memarg(alignLog2: number, offset: number): this {
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }

  // control
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if_(): this {
    return this.op(0x04, 0x40);
  }
  else_(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  // control with a label depth or function index, and the locals: one LEB128 immediate each
  readonly br = (depth: number): this => this.opIndex(0x0c, depth);
  readonly brIf = (depth: number): this => this.opIndex(0x0d, depth);
  readonly call = (fn: number): this => this.opIndex(0x10, fn);
  readonly get = (local: number): this => this.opIndex(0x20, local);
  readonly set = (local: number): this => this.opIndex(0x21, local);
  readonly tee = (local: number): this => this.opIndex(0x22, local);
  return_(): this {
    return this.op(0x0f);
  }
  drop(): this {
    return this.op(0x1a);
  }

  // memory
  i32Load(offset = 0): this {
    return this.op(0x28).memarg(2, offset);
  }
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  i32Store(offset = 0): this {
    return this.op(0x36).memarg(2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(2, offset);
  }

  // constants
  i32Const(v: number): this {
    this.op(0x41);
    sleb(this.code, v);
    return this;
  }
  f32Const(v: number): this {
    this.op(0x43);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(...b);
  }

  // i32 arithmetic / comparison
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32ShrS(): this {
    return this.op(0x75);
  }

  // f32
  f32Add(): this {
    return this.op(0x92);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f32Sub(): this {
    return this.op(0x93);
  }
  f32Div(): this {
    return this.op(0x95);
  }
  f32Gt(): this {
    return this.op(0x5e);
  }
  /** `select`: the first operand where the i32 condition is non-zero, else the second. */
  select(): this {
    return this.op(0x1b);
  }

  // f64
  f64Load(offset = 0): this {
    return this.op(0x2b).memarg(3, offset);
  }
  f64Store(offset = 0): this {
    return this.op(0x39).memarg(3, offset);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  /** `f64.promote_f32` (exact). */
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  /** `f32.demote_f64` (rounds to nearest even, as a store into a Float32Array). */
  f32DemoteF64(): this {
    return this.op(0xb6);
  }

  // SIMD (0xFD prefix + LEB128 opcode)
  v128Load(offset = 0, alignLog2 = 4): this {
    return this.simd(0x00).memarg(alignLog2, offset);
  }
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09).memarg(2, offset);
  }
  v128Store(offset = 0, alignLog2 = 4): this {
    return this.simd(0x0b).memarg(alignLog2, offset);
  }
  v128Store32Lane(lane: number, offset = 0): this {
    this.simd(0x5a).memarg(2, offset);
    return this.op(lane);
  }
  v128Const0(): this {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f).op(lane);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  /** `f32x4.gt`: all-ones lanes where a > b (false for NaN). */
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  /** `v128.bitselect(a, b, mask)`: a's bits where the mask is set, else b's. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** `i8x16.shuffle` with the 16 lane indices (0-15 from the first operand, 16-31 from the second). */
  i8x16Shuffle(lanes: readonly number[]): this {
    this.simd(0x0d);
    for (const l of lanes) this.code.push(l);
    return this;
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21).op(lane);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  /** `f64x2.promote_low_f32x4`: lanes 0 and 1 as float64 (exact). */
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }
  /** `f32x4.demote_f64x2_zero`: the two lanes rounded to float32 in lanes 0 and 1, zeros above. */
  f32x4DemoteF64x2Zero(): this {
    return this.simd(0x5e);
  }
  /** Relaxed SIMD `f32x4.relaxed_madd` (a * b + c, fused where the CPU has FMA). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }

  // bulk memory (0xFC prefix)
  memoryCopy(): this {
    this.op(0xfc);
    uleb(this.code, 10);
    return this.op(0x00, 0x00);
  }
  memoryFill(): this {
    this.op(0xfc);
    uleb(this.code, 11);
    return this.op(0x00);
  }

  /** Encoded body (locals + code + end). */
  encodeBody(): number[] {
    const body: number[] = [];
    // run-length encode local declarations
    const groups: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [n, t] of groups) {
      uleb(body, n);
      body.push(t);
    }
    for (const b of this.code) body.push(b);
    body.push(0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

/** The imported (shared) memory of a generated module. @category wasm */
export interface MemoryImport {
  module: string;
  name: string;
  initial: number;
  maximum: number;
  shared: boolean;
}

/** Module with one imported memory and a list of functions. @category wasm */
export class ModuleBuilder {
  readonly functions: FunctionBuilder[] = [];
  constructor(readonly memory: MemoryImport) {}

  addFunction(name: string, params: ValType[], results: ValType[] = [], exported = true): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results, exported);
    this.functions.push(f);
    return f;
  }
  index(f: FunctionBuilder): number {
    return this.functions.indexOf(f);
  }

  emit(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, payload: number[]): void => {
      out.push(id);
      uleb(out, payload.length);
      for (const b of payload) out.push(b);
    };
    // type section: one type per distinct signature
    const sigKeys: string[] = [];
    const sigs: Array<[ValType[], ValType[]]> = [];
    const fnType: number[] = [];
    for (const f of this.functions) {
      const key = `${f.params.join(',')}:${f.results.join(',')}`;
      let idx = sigKeys.indexOf(key);
      if (idx < 0) {
        idx = sigKeys.length;
        sigKeys.push(key);
        sigs.push([f.params, f.results]);
      }
      fnType.push(idx);
    }
    const types: number[] = [];
    uleb(types, sigs.length);
    for (const [p, r] of sigs) {
      types.push(0x60);
      uleb(types, p.length);
      types.push(...p);
      uleb(types, r.length);
      types.push(...r);
    }
    section(1, types);
    // import section: the memory
    const imports: number[] = [];
    uleb(imports, 1);
    encStr(imports, this.memory.module);
    encStr(imports, this.memory.name);
    imports.push(0x02);
    imports.push(this.memory.shared ? 0x03 : 0x01);
    uleb(imports, this.memory.initial);
    uleb(imports, this.memory.maximum);
    section(2, imports);
    // function section
    const funcs: number[] = [];
    uleb(funcs, fnType.length);
    for (const t of fnType) uleb(funcs, t);
    section(3, funcs);
    // export section
    const exported = this.functions.filter((f) => f.exported);
    const exps: number[] = [];
    uleb(exps, exported.length);
    for (const f of exported) {
      encStr(exps, f.name);
      exps.push(0x00);
      uleb(exps, this.index(f));
    }
    section(7, exps);
    // code section
    const code: number[] = [];
    uleb(code, this.functions.length);
    for (const f of this.functions) for (const b of f.encodeBody()) code.push(b);
    section(10, code);
    return new Uint8Array(out);
  }
}

/** `log2` of a power of two (alignment immediates). @category wasm */
export { log2 };
