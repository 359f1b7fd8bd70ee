/**
 * The baselines of Section V-B, as alternative sources of context labels with
 * the same output as CoLab's generator, context probabilities `q` of shape
 * `[N, t, ...]` that `aggregateLabels(y, q)` turns into an extended label, and
 * the component post-processing of V-B4.
 * @module
 */
import { largestComponent } from '@colab-ts/kernels/reference';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, isNDArray, key as makeKey, showShape, toTypedArray, uniform, split } from '@colab-ts/ndarray';

/** Options of `kmeans`. @category baselines */
export interface KMeansOptions {
  /** Number of clusters. */
  readonly k: number;
  /** Seed (a number or a `Key`) of the k-means++ seeding (default 0). */
  readonly seed?: number | Key;
  /** Most Lloyd iterations (default 100). */
  readonly maxIterations?: number;
}

/** The result of `kmeans`. @category baselines */
export interface KMeansResult {
  /** `k` centroids of `dims` features each, sorted by their first feature (ascending). */
  readonly centroids: readonly (readonly number[])[];
  /** The cluster of each point (an index into `centroids`). */
  readonly assignments: Int32Array;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

/**
 * k-means with k-means++ seeding (Arthur and Vassilvitskii, 2007, the paper's
 * [1]) on `points` (`count` points of `dims` features, row-major), seeded and
 * deterministic. Centroids are sorted by their first feature, so that cluster
 * indices do not depend on the seeding order.
 * @example kmeans(new Float64Array([0, 0.1, 5, 5.2]), 1, { k: 2 }).centroids // [[0.05], [5.1]]
 * @category baselines
 */
export function kmeans(points: Float64Array, dims: number, options: KMeansOptions): KMeansResult {
  const op = 'kmeans';
  const k = options.k;
  if (!Number.isInteger(dims) || dims < 1 || points.length % dims !== 0)
    throw new ValueError(op, `dims must divide the number of values (${points.length}), got ${dims}`);
  const n = points.length / dims;
  if (!Number.isInteger(k) || k < 1) throw new ValueError(op, `k must be a positive integer, got ${k}`);
  if (n < k) throw new ValueError(op, `needs at least k = ${k} points, got ${n}`);
  const maxIt = options.maxIterations ?? 100;
  const seed = options.seed ?? 0;
  const base = typeof seed === 'number' ? makeKey(seed) : seed;
  const dist2 = (i: number, c: Float64Array, j: number): number => {
    let s = 0;
    for (let f = 0; f < dims; f++) {
      const e = points[i * dims + f]! - c[j * dims + f]!;
      s += e * e;
    }
    return s;
  };
  const cent = new Float64Array(k * dims);
  // k-means++: the first centre uniformly, each next with probability proportional to D(x)^2.
  const u = uniform(split(base, 1)[0]!, [k], { dtype: 'float64' }).data as Float64Array;
  const first = Math.min(n - 1, Math.floor(u[0]! * n));
  for (let f = 0; f < dims; f++) cent[f] = points[first * dims + f]!;
  const dmin = new Float64Array(n);
  for (let i = 0; i < n; i++) dmin[i] = dist2(i, cent, 0);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += dmin[i]!;
    let pick = 0;
    if (total > 0) {
      let r = u[j]! * total;
      for (pick = 0; pick < n - 1; pick++) {
        r -= dmin[pick]!;
        if (r < 0 && dmin[pick]! > 0) break;
      }
    }
    for (let f = 0; f < dims; f++) cent[j * dims + f] = points[pick * dims + f]!;
    for (let i = 0; i < n; i++) dmin[i] = Math.min(dmin[i]!, dist2(i, cent, j));
  }
  // Lloyd iterations.
  const assign = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  let it = 0;
  for (; it < maxIt; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const dd = dist2(i, cent, j);
        if (dd < bd) {
          bd = dd;
          best = j;
        }
      }
      if (assign[i] !== best) {
        assign[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = assign[i]!;
      counts[j]!++;
      for (let f = 0; f < dims; f++) sums[j * dims + f]! += points[i * dims + f]!;
    }
    // An empty cluster keeps its centre.
    for (let j = 0; j < k; j++) if (counts[j]! > 0) for (let f = 0; f < dims; f++) cent[j * dims + f] = sums[j * dims + f]! / counts[j]!;
  }
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => cent[a * dims]! - cent[b * dims]! || a - b);
  const rank = new Int32Array(k);
  order.forEach((j, r) => (rank[j] = r));
  const assignments = new Int32Array(n);
  for (let i = 0; i < n; i++) assignments[i] = rank[assign[i]!]!;
  return { centroids: order.map((j) => Array.from(cent.subarray(j * dims, (j + 1) * dims))), assignments, iterations: it };
}

/** Options of `kmeansContextLabels`. @category baselines */
export interface KMeansContextOptions {
  /** Number of context classes t (default 2). */
  readonly t?: number;
  /** Seed of the k-means++ seeding (default 0). */
  readonly seed?: number | Key;
  /** Most Lloyd iterations (default 100). */
  readonly maxIterations?: number;
  /**
   * Fit on about this many voxels: every `s`-th voxel inside the mask (in
   * order), `s = max(1, floor(inside / maxPoints))` (default: all of them).
   * Every voxel is still assigned to its nearest centroid.
   */
  readonly maxPoints?: number;
  /** Apply a fitted clustering instead of fitting one: `t` centroids of `C` features (as this function returns them). */
  readonly centroids?: readonly (readonly number[])[];
}

/**
 * k-means context labels (Section V-B1): the voxels inside the body (or
 * brain) mask are clustered by intensity into `t` clusters with k-means++;
 * each becomes a background sub-class, ordered by increasing intensity (of
 * the first image channel). Every voxel inside the mask goes to its nearest
 * centroid (the lowest sub-class on a tie), every voxel outside it to the
 * first sub-class, the far background. With several image channels the
 * features are all channels of the voxel.
 *
 * `image` is `[N, C, ...]`, `bodyMask` `[N, 1, ...]` (non-zero inside; default:
 * everything). One clustering is fitted over all cases given. Returns one-hot
 * context probabilities `q` `[N, t, ...]` (float32), the same sub-classes as
 * an integer map `labels` `[N, 1, ...]` (int32), and the centroids.
 * @example const { q } = kmeansContextLabels(image, body, { t: 2, seed: 0 }); aggregateLabels(y, q)
 * @category baselines
 */
export function kmeansContextLabels(
  image: NDArray,
  bodyMask?: NDArray,
  options: KMeansContextOptions = {},
): { readonly q: NDArray; readonly labels: NDArray; readonly centroids: readonly (readonly number[])[] } {
  const op = 'kmeansContextLabels';
  if (!isNDArray(image) || image.shape.length < 3)
    throw new ShapeError(op, `image must be [N, C, ...spatial], got ${isNDArray(image) ? showShape(image.shape) : typeof image}`);
  const t = options.centroids?.length ?? options.t ?? 2;
  if (!Number.isInteger(t) || t < 1) throw new ValueError(op, `t must be a positive integer, got ${t}`);
  const [n, C] = image.shape as [number, number];
  if (options.centroids !== undefined && (options.t ?? t) !== t) throw new ValueError(op, `t = ${options.t} but ${t} centroids were given`);
  if (options.centroids?.some((c) => c.length !== C) === true) throw new ValueError(op, `centroids must have ${C} feature(s) each (one per image channel)`);
  const maxPoints = options.maxPoints ?? Infinity;
  if (!(maxPoints >= 1)) throw new ValueError(op, `maxPoints must be >= 1, got ${maxPoints}`);
  const spatial = image.shape.slice(2);
  const vox = spatial.reduce((a, b) => a * b, 1);
  const img = toTypedArray(image);
  let mask: ArrayLike<number> | undefined;
  if (bodyMask !== undefined) {
    if (
      !isNDArray(bodyMask) ||
      bodyMask.shape.length !== image.shape.length ||
      bodyMask.shape[0] !== n ||
      bodyMask.shape[1] !== 1 ||
      bodyMask.shape.slice(2).some((d, i) => d !== spatial[i])
    ) {
      throw new ShapeError(op, `bodyMask must be [${n}, 1, ${spatial.join(', ')}], got ${isNDArray(bodyMask) ? showShape(bodyMask.shape) : typeof bodyMask}`);
    }
    mask = toTypedArray(bodyMask);
  }
  const inside: number[] = [];
  for (let i = 0; i < n * vox; i++) if (mask === undefined || mask[i] !== 0) inside.push(i);
  const feature = (iv: number, ch: number): number => img[(Math.floor(iv / vox) * C + ch) * vox + (iv % vox)]!;
  let centroids = options.centroids;
  if (centroids === undefined) {
    const stride = Math.max(1, Math.floor(inside.length / maxPoints));
    const fit = inside.filter((_, p) => p % stride === 0);
    const pts = new Float64Array(fit.length * C);
    fit.forEach((iv, p) => {
      for (let ch = 0; ch < C; ch++) pts[p * C + ch] = feature(iv, ch);
    });
    centroids = kmeans(pts, C, { k: t, seed: options.seed ?? 0, maxIterations: options.maxIterations ?? 100 }).centroids;
  }
  const cent = centroids;
  const labels = new Int32Array(n * vox);
  const out = new Float32Array(n * t * vox);
  // Outside the mask: the first sub-class (the far background that b fills).
  for (let i = 0; i < n; i++) for (let v = 0; v < vox; v++) out[i * t * vox + v] = 1;
  for (const iv of inside) {
    let best = 0;
    let bd = Infinity;
    for (let j = 0; j < t; j++) {
      // The distance itself for one channel (no rounding of a square), its square for several.
      let d = C === 1 ? Math.abs(feature(iv, 0) - cent[j]![0]!) : 0;
      for (let ch = 0; C > 1 && ch < C; ch++) d += (feature(iv, ch) - cent[j]![ch]!) ** 2;
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    const i = Math.floor(iv / vox);
    const v = iv % vox;
    labels[iv] = best;
    out[i * t * vox + v] = 0;
    out[(i * t + best) * vox + v] = 1;
  }
  return { q: array(out, [n, t, ...spatial], 'float32'), labels: array(labels, [n, 1, ...spatial], 'int32'), centroids: cent };
}

/**
 * Dilated-mask context labels (Section V-B2): `q = [1 - M, M]` from the soft
 * dilated mask `M` of Eq. 8 (`[N, 1, ...]`), so t = 2 with the far background
 * first (where `M -> 0`) and the ROI's surroundings second.
 * @example dilatedMaskContextLabels(softDilatedMask(distanceMap(roiMask(y))))
 * @category baselines
 */
export function dilatedMaskContextLabels(M: NDArray): NDArray {
  const op = 'dilatedMaskContextLabels';
  if (!isNDArray(M) || M.shape.length < 3 || M.shape[1] !== 1)
    throw new ShapeError(op, `M must be [N, 1, ...spatial], got ${isNDArray(M) ? showShape(M.shape) : typeof M}`);
  const n = M.shape[0]!;
  const vox = M.shape.slice(2).reduce((a, b) => a * b, 1);
  const m = toTypedArray(M);
  const out = new Float64Array(n * 2 * vox);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < vox; v++) {
      const x = m[i * vox + v]!;
      out[i * 2 * vox + v] = 1 - x;
      out[(i * 2 + 1) * vox + v] = x;
    }
  }
  return array(out, [n, 2, ...M.shape.slice(2)], M.dtype === 'float64' ? 'float64' : 'float32');
}

/**
 * Constant context labels, an ablation of CoLab's generator (not in the paper):
 * `q = shares` at every voxel, shaped `[N, t, ...]` like the soft dilated mask
 * `M` (`[N, 1, ...]`) it goes with. Distance-constrained (Eq. 9), sub-class `j`
 * of the background near the ROI gets `M * shares[j]` and the far background
 * the rest, so a learnt generator whose labels stay near one value everywhere
 * can be compared with the same split held fixed from the first step.
 * `shares` are `t >= 2` numbers in `[0, 1]` summing to 1; sub-class 0 is the
 * far background's.
 * @example constantContextLabels(M, [0.84, 0.16])
 * @category baselines
 */
export function constantContextLabels(M: NDArray, shares: readonly number[]): NDArray {
  const op = 'constantContextLabels';
  if (!isNDArray(M) || M.shape.length < 3 || M.shape[1] !== 1)
    throw new ShapeError(op, `M must be [N, 1, ...spatial], got ${isNDArray(M) ? showShape(M.shape) : typeof M}`);
  checkShares(op, shares);
  const t = shares.length;
  const n = M.shape[0]!;
  const vox = M.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(n * t * vox);
  for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) out.fill(shares[j]!, (i * t + j) * vox, (i * t + j + 1) * vox);
  return array(out, [n, t, ...M.shape.slice(2)], M.dtype === 'float64' ? 'float64' : 'float32');
}

/**
 * Refuses context shares that are not `t >= 2` finite numbers in `[0, 1]` summing to 1 (within 1e-6).
 * @category baselines
 */
export function checkShares(op: string, shares: readonly number[]): void {
  if (!Array.isArray(shares) || shares.length < 2) throw new ValueError(op, `shares must list t >= 2 numbers, got ${JSON.stringify(shares)}`);
  const bad = shares.find((s) => typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 1);
  if (bad !== undefined) throw new ValueError(op, `shares must be numbers in [0, 1], got ${bad}`);
  const sum = shares.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new ValueError(op, `shares must sum to 1, got ${sum}`);
}

/** Options of `anatomyContextLabels`. @category baselines */
export interface AnatomyContextOptions {
  /**
   * Read `masks` as one integer context map `[N, 1, ...]` instead (as a
   * `contextTr` file holds it): 0 for the rest of the background and `k` for
   * structure `k`, every value in `[0, t)`; the result has `t` sub-classes.
   */
  readonly t?: number;
  /**
   * With `t`: the map values that keep a sub-class of their own, in order
   * (value `keep[j]` -> sub-class `j + 1`); every other value joins sub-class
   * 0, the rest of the background. `t` must be `keep.length + 1`. The paper's
   * human-defined labels for liver tumours are the liver alone (t = 2), so a
   * map of many organs gives them as `{ t: 2, keep: [liver] }`.
   */
  readonly keep?: readonly number[];
}

/**
 * Human-defined (anatomy) context labels (Section III-D, Table I): `masks` is
 * `[N, K, ...]` with one binary mask per anatomical structure (liver, kidney,
 * brain tissues...). Returns one-hot `q` `[N, K + 1, ...]` (t = K + 1): the
 * first sub-class is the rest of the background, channel `k + 1` structure
 * `k`; where masks overlap the first structure wins. With `{ t }`, `masks` is
 * one integer map `[N, 1, ...]` of structure indices and `q` its one-hot `[N, t, ...]`;
 * with `{ t, keep }` only the listed structures keep their own sub-class.
 * @example anatomyContextLabels(liverMask) // t = 2: [other, liver]
 * @example anatomyContextLabels(contextMap, { t: 3 }) // [other, liver, kidney]
 * @example anatomyContextLabels(contextMap, { t: 2, keep: [1] }) // [everything but the liver, liver]
 * @category baselines
 */
export function anatomyContextLabels(masks: NDArray, options: AnatomyContextOptions = {}): NDArray {
  const op = 'anatomyContextLabels';
  if (!isNDArray(masks) || masks.shape.length < 3 || masks.shape[1]! < 1)
    throw new ShapeError(op, `masks must be [N, K >= 1, ...spatial], got ${isNDArray(masks) ? showShape(masks.shape) : typeof masks}`);
  const [n, K] = masks.shape as [number, number];
  const vox = masks.shape.slice(2).reduce((a, b) => a * b, 1);
  const m = toTypedArray(masks);
  const map = options.t !== undefined;
  if (map && K !== 1) throw new ShapeError(op, `with t, masks must be one integer map [N, 1, ...spatial], got ${showShape(masks.shape)}`);
  const t = options.t ?? K + 1;
  if (!Number.isInteger(t) || t < 1) throw new ValueError(op, `t must be a positive integer, got ${t}`);
  const keep = options.keep;
  // value -> sub-class, for the values `keep` names
  const sub = new Map<number, number>();
  if (keep !== undefined) {
    if (!map) throw new ValueError(op, 'keep needs t (it selects values of one integer context map)');
    if (keep.length + 1 !== t) throw new ValueError(op, `keep names ${keep.length} structure(s), so t must be ${keep.length + 1}, got ${t}`);
    keep.forEach((v, j) => {
      if (!(Number.isInteger(v) && v >= 0)) throw new ValueError(op, `keep values must be non-negative integers, got ${v}`);
      if (sub.has(v)) throw new ValueError(op, `keep names the value ${v} twice`);
      sub.set(v, j + 1);
    });
  }
  const out = new Float32Array(n * t * vox);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < vox; v++) {
      let ch = 0;
      if (keep !== undefined) {
        ch = sub.get(m[i * vox + v]!) ?? 0;
      } else if (map) {
        ch = m[i * vox + v]!;
        if (!(Number.isInteger(ch) && ch >= 0 && ch < t)) throw new ValueError(op, `context map value ${ch} is not an integer in [0, ${t})`);
      } else {
        for (let k = 0; k < K; k++) {
          if (m[(i * K + k) * vox + v] !== 0) {
            ch = k + 1;
            break;
          }
        }
      }
      out[(i * t + ch) * vox + v] = 1;
    }
  }
  return array(out, [n, t, ...masks.shape.slice(2)], 'float32');
}

/** Options of `largestComponentPostprocess`. @category baselines */
export interface PostprocessOptions {
  /** Voxel connectivity, 6, 18 or 26 (default 26). */
  readonly connectivity?: 6 | 18 | 26;
}

/**
 * Component post-processing (Section V-B4): keeps only the largest connected
 * component of the union of all ROI classes (assuming one ROI per case) and
 * sets every other voxel to background, keeping the classes inside it.
 * `labels` is an integer label map `[N, 1, D, H, W]` or `[N, D, H, W]` (0 is
 * background, as `predictRoi` returns) or a single `[D, H, W]`; same shape out.
 * @example largestComponentPostprocess(predictRoi(logits, 2))
 * @category baselines
 */
export function largestComponentPostprocess(labels: NDArray, options: PostprocessOptions = {}): NDArray {
  const op = 'largestComponentPostprocess';
  if (!isNDArray(labels)) throw new ValueError(op, 'labels must be an NDArray');
  const s = labels.shape;
  const conn = options.connectivity ?? 26;
  if (!(s.length === 3 || s.length === 4 || (s.length === 5 && s[1] === 1)))
    throw new ShapeError(op, `labels must be [D, H, W], [N, D, H, W] or [N, 1, D, H, W], got ${showShape(s)}`);
  const spatial = s.slice(s.length - 3) as [number, number, number];
  const n = s.length === 3 ? 1 : s[0]!;
  const vox = spatial[0] * spatial[1] * spatial[2];
  const src = toTypedArray(labels);
  const out = new Float64Array(src.length);
  for (let i = 0; i < n; i++) {
    const part = array(src.subarray(i * vox, (i + 1) * vox), spatial);
    const keep = largestComponent(part, conn).data;
    for (let v = 0; v < vox; v++) out[i * vox + v] = keep[v] ? src[i * vox + v]! : 0;
  }
  return array(out, s, labels.dtype);
}
