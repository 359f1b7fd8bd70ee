/**
 * Element types. Every array stores its elements in one typed array whose
 * class follows from the dtype; `DataOf<'float32'>` is `Float32Array`.
 * @module
 */
import { DTypeError } from './errors.js';

/** The four element types colab-ts stores. @category dtype */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8';

/** Storage class of each dtype. @category dtype */
export interface DataMap {
  readonly float32: Float32Array;
  readonly float64: Float64Array;
  readonly int32: Int32Array;
  readonly uint8: Uint8Array;
}

/** The typed array behind a dtype: `DataOf<'float32'>` is `Float32Array`. @category dtype */
export type DataOf<D extends DType> = DataMap[D];

/** Any storage array. @category dtype */
export type AnyData = DataMap[DType];

/** All dtypes, in promotion order (a later one wins). @category dtype */
export const DTYPES: readonly DType[] = ['uint8', 'int32', 'float32', 'float64'];

const RANK: Readonly<Record<DType, number>> = { uint8: 0, int32: 1, float32: 2, float64: 3 };

/** Is `x` one of the four dtype names? @category dtype */
export const isDType = (x: unknown): x is DType => x === 'float32' || x === 'float64' || x === 'int32' || x === 'uint8';

/** Floating-point dtypes. @category dtype */
export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** Result dtype of combining two dtypes: the later in `uint8 < int32 < float32 < float64`. @category dtype */
export const promoteTypes = (a: DType, b: DType): DType => (RANK[a] >= RANK[b] ? a : b);

/** The dtype floating-point math returns for an input dtype (integers become float32). @category dtype */
export const floatResult = (d: DType): DType => (isFloat(d) ? d : 'float32');

/** Can dtype `d` store the number `v` exactly (any number for floats; an in-range integer otherwise)? @internal */
export const holdsValue = (v: number, d: DType): boolean =>
  isFloat(d) || (Number.isInteger(v) && (d === 'uint8' ? v >= 0 && v <= 255 : v >= -2147483648 && v <= 2147483647));

/** A zero-filled typed array of `n` elements of dtype `d`. @category dtype */
export function allocate<D extends DType>(dtype: D, n: number): DataOf<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as DataOf<D>;
    case 'float64':
      return new Float64Array(n) as DataOf<D>;
    case 'int32':
      return new Int32Array(n) as DataOf<D>;
    case 'uint8':
      return new Uint8Array(n) as DataOf<D>;
    default:
      throw new DTypeError('allocate', `unknown dtype ${String(dtype)}`, { expected: DTYPES.join('|'), got: String(dtype) });
  }
}

/** The dtype a typed array stores, or undefined for other array types. @category dtype */
export function dtypeOfData(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** Throws a DTypeError unless `d` is a known dtype. @category dtype */
export function checkDType(op: string, d: unknown): DType {
  if (!isDType(d)) throw new DTypeError(op, `unknown dtype ${JSON.stringify(d)}`, { expected: DTYPES.join('|'), got: String(d) });
  return d;
}
