/**
 * A synthetic abdominal-CT cohort built to reproduce the failure mode CoLab
 * addresses: the ROI (hypodense tumours inside a liver) has look-alikes
 * elsewhere in a heterogeneous background (lesions of the same intensity and
 * texture in the spleen, kidneys and bowel; fluid-filled bowel loops, muscle
 * and an early-phase IVC at tumour-like Hounsfield units). Local appearance
 * alone does not separate tumour from look-alike; the organ map (kept as the
 * human-defined context labels) does.
 *
 * Geometry lives in normalised coordinates (x: patient right to left along W,
 * y: anterior to posterior along H, z: feet to head along D, each in [-1, 1]),
 * so any `[D, H, W]` works; `D = 1` gives the axial slice at z = 0.
 * @module
 */
import type { Key } from '@colab-ts/ndarray';
import { ValueError, foldIn, normal, split, uniform } from '@colab-ts/ndarray';
import type { Case } from './Case.js';
import { checkTriple, packed } from './internal/arrays.js';
import type { Spacing } from './resample.js';

/** Context label values of the phantom's organ map (the human-defined context labels). @category phantom */
export const PHANTOM_CONTEXT_LABELS = {
  background: 0,
  liver: 1,
  spleen: 2,
  kidney: 3,
  vessel: 4,
  bowel: 5,
  bone: 6,
  muscle: 7,
} as const;

/** ROI label values of the phantom. @category phantom */
export const PHANTOM_LABELS = { background: 0, tumour: 1 } as const;

/** ROI label values of the two-class phantom (`roi: 'liver+tumour'`), as the Decathlon's liver task. @category phantom */
export const PHANTOM_LABELS_LIVER_TUMOUR = { background: 0, liver: 1, tumour: 2 } as const;

/** Options of `phantom`. @category phantom */
export interface PhantomOptions {
  readonly cases: number;
  /** `[D, H, W]`; `D = 1` for a 2D cohort. */
  readonly size: readonly [number, number, number] | readonly number[];
  /** Voxel spacing in mm (default `[2.5, 1.5, 1.5]`). */
  readonly spacing?: Spacing;
  /** Tumours per case, inclusive range (default [1, 3]). */
  readonly tumours?: readonly [number, number];
  /** Tumour look-alikes outside the liver per case, inclusive range (default [2, 4]). */
  readonly lookAlikes?: readonly [number, number];
  /** Standard deviation of the CT noise in HU (default 10). */
  readonly noise?: number;
  /** Case id prefix (default `phantom`): ids are `phantom_000`, `phantom_001`, ... */
  readonly prefix?: string;
  /**
   * What the label marks: `'tumour'` (default; 1 = tumour) or `'liver+tumour'`,
   * two ROI classes (1 = liver, 2 = tumour inside it, as the Decathlon's
   * liver task) for multi-class CoLab (Eq. 6). The images are the same.
   */
  readonly roi?: 'tumour' | 'liver+tumour';
}

/** A phantom case: the usual `Case` plus its context labels, which are always present. @category phantom */
export interface PhantomCase extends Case {
  readonly context: NonNullable<Case['context']>;
}

/** A generated cohort and the names of its label values. @category phantom */
export interface PhantomCohort {
  readonly cases: readonly PhantomCase[];
  readonly labels: Readonly<Record<string, number>>;
  readonly contextLabels: Readonly<Record<string, number>>;
  readonly spacing: Spacing;
}

/** A deterministic stream of uniforms in [0, 1) drawn from a key in blocks. */
function stream(k: Key): () => number {
  let block = 0;
  let buf = uniform(foldIn(k, block), [64], { dtype: 'float64' }).data;
  let i = 0;
  return () => {
    if (i === buf.length) {
      block += 1;
      buf = uniform(foldIn(k, block), [64], { dtype: 'float64' }).data;
      i = 0;
    }
    return buf[i++]!;
  };
}

interface Blob {
  readonly c: readonly [number, number, number];
  readonly a: readonly [number, number, number];
  readonly angle: number;
}

interface FastBlob extends Blob {
  readonly ca: number;
  readonly sa: number;
  readonly r2: number;
}

const fast = (b: Blob): FastBlob => ({ ...b, ca: Math.cos(b.angle), sa: Math.sin(b.angle), r2: Math.max(...b.a) ** 2 });

/** The ellipsoid's quadratic form at normalised point (x, y, z): <= 1 inside (rotated in the axial plane). */
function blobValue(b: FastBlob, x: number, y: number, z: number): number {
  const dx = x - b.c[0];
  const dy = y - b.c[1];
  const dz = z - b.c[2];
  // Cheap reject outside the bounding sphere.
  if (dx * dx + dy * dy + dz * dz > b.r2) return 2;
  const u = (b.ca * dx + b.sa * dy) / b.a[0];
  const v = (-b.sa * dx + b.ca * dy) / b.a[1];
  const w = dz / b.a[2];
  return u * u + v * v + w * w;
}

/** Separable box blur (radius 1) of a `[D, H, W]` field, in place, `passes` times. */
function blur(f: Float32Array, D: number, H: number, W: number, passes: number): void {
  const tmp = new Float32Array(f.length);
  const strides = [H * W, W, 1];
  const extents = [D, H, W];
  for (let p = 0; p < passes; p++) {
    for (let axis = 0; axis < 3; axis++) {
      const s = strides[axis]!;
      const n = extents[axis]!;
      if (n === 1) continue;
      for (let i = 0; i < f.length; i++) {
        const pos = Math.floor(i / s) % n;
        let sum = f[i]!;
        let cnt = 1;
        if (pos > 0) {
          sum += f[i - s]!;
          cnt++;
        }
        if (pos < n - 1) {
          sum += f[i + s]!;
          cnt++;
        }
        tmp[i] = sum / cnt;
      }
      f.set(tmp);
    }
  }
  let mean = 0;
  for (const v of f) mean += v;
  mean /= f.length;
  let sq = 0;
  for (const v of f) sq += (v - mean) ** 2;
  const sd = Math.sqrt(sq / f.length) || 1;
  for (let i = 0; i < f.length; i++) f[i] = (f[i]! - mean) / sd;
}

/** One phantom case from its own key. */
function phantomCase(
  k: Key,
  id: string,
  size: [number, number, number],
  spacing: Spacing,
  o: Required<Pick<PhantomOptions, 'tumours' | 'lookAlikes' | 'noise' | 'roi'>>,
): PhantomCase {
  const [D, H, W] = size;
  const n = D * H * W;
  const [kGeom, kNoise, kTexture] = split(k, 3);
  const r = stream(kGeom!);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * r();
  const intBetween = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const jitter = (v: number, rel: number): number => v * between(1 - rel, 1 + rel);
  const C = PHANTOM_CONTEXT_LABELS;

  // Anatomy, with per-case variation. In 2D every structure is centred on the slice (z = 0).
  // The draw happens in 2D too, so 2D and 3D cohorts from one key share their in-plane layout.
  const zc = (lo: number, hi: number): number => {
    const z = between(lo, hi);
    return D > 1 ? z : 0;
  };
  const body = { ax: between(0.84, 0.94), ay: between(0.64, 0.76), cx: between(-0.03, 0.03), cy: between(-0.02, 0.04) };
  const bodyScale = (z: number): number => 1 - 0.12 * z * z;
  const liver = fast({
    c: [between(-0.5, -0.38), between(-0.2, -0.06), zc(0.05, 0.25)],
    a: [jitter(0.4, 0.1), jitter(0.4, 0.1), jitter(0.75, 0.1)],
    angle: between(-0.3, 0.3),
  });
  const spleen = fast({
    c: [between(0.5, 0.58), between(0.05, 0.2), zc(0.1, 0.3)],
    a: [jitter(0.16, 0.15), jitter(0.22, 0.15), jitter(0.45, 0.1)],
    angle: between(-0.6, 0.0),
  });
  const kidneys = [-1, 1].map((sd) =>
    fast({
      c: [sd * between(0.3, 0.38), between(0.3, 0.4), zc(-0.2, 0.05)],
      a: [jitter(0.12, 0.1), jitter(0.15, 0.1), jitter(0.4, 0.1)],
      angle: sd * between(0.3, 0.7),
    }),
  );
  const muscles = [-1, 1].map((sd) => fast({ c: [sd * between(0.16, 0.2), between(0.5, 0.56), 0], a: [jitter(0.1, 0.1), jitter(0.08, 0.1), 10], angle: 0 }));
  const aorta = { cx: between(0.05, 0.1), cy: between(0.2, 0.26), r: jitter(0.06, 0.15) };
  // The IVC's density depends on the contrast phase: in an early phase it is tumour-like (about 60 HU).
  const ivc = { cx: between(-0.16, -0.1), cy: between(0.18, 0.26), r: jitter(0.06, 0.15), hu: between(60, 140) };
  const spine = { cx: between(-0.02, 0.02), cy: between(0.4, 0.46), r: jitter(0.12, 0.1) };
  const bowels = Array.from({ length: intBetween(9, 14) }, () => ({
    blob: fast({
      c: [between(-0.2, 0.45), between(-0.55, 0.1), zc(-0.8, 0.6)],
      a: [jitter(0.12, 0.3), jitter(0.1, 0.3), jitter(0.3, 0.4)],
      angle: between(0, Math.PI),
    }),
    content: r() < 0.5 ? 'fluid' : r() < 0.5 ? 'air' : 'mixed',
    fluidHU: between(15, 60),
  }));
  const lesion = (host: FastBlob, scale: number): FastBlob => {
    // A point well inside the host: its centre plus a random offset up to 55% of each semi-axis.
    const t = between(0, 2 * Math.PI);
    const rho = Math.sqrt(r()) * 0.55;
    const cz = host.c[2] + between(-0.55, 0.55) * host.a[2];
    const u = rho * Math.cos(t) * host.a[0];
    const v = rho * Math.sin(t) * host.a[1];
    const rad = between(0.05, 0.11) * scale;
    return fast({
      c: [host.c[0] + host.ca * u - host.sa * v, host.c[1] + host.sa * u + host.ca * v, D > 1 ? cz : 0],
      a: [rad * between(0.8, 1.2), rad * between(0.8, 1.2), rad * between(0.8, 1.5)],
      angle: between(0, Math.PI),
    });
  };
  const tumours = Array.from({ length: intBetween(o.tumours[0], o.tumours[1]) }, () => ({ blob: lesion(liver, 1), hu: between(35, 65) }));
  const hosts: { host: FastBlob | 'bowel'; context: number }[] = [
    { host: spleen, context: C.spleen },
    { host: kidneys[0]!, context: C.kidney },
    { host: kidneys[1]!, context: C.kidney },
    { host: 'bowel', context: C.bowel },
    { host: 'bowel', context: C.bowel },
  ];
  const lookAlikes = Array.from({ length: intBetween(o.lookAlikes[0], o.lookAlikes[1]) }, () => {
    const h = hosts[Math.floor(r() * hosts.length)]!;
    const host = h.host === 'bowel' ? bowels[Math.floor(r() * bowels.length)]!.blob : h.host;
    return { blob: lesion(host, h.host === 'bowel' ? 0.9 : 0.8), host, context: h.context, hu: between(35, 65) };
  });

  const noise = normal(kNoise!, [n], { std: o.noise }).data;
  const texture = Float32Array.from(normal(kTexture!, [n]).data);
  blur(texture, D, H, W, 2);

  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  const context = new Uint8Array(n);
  let firstTumourVoxel = -1;
  let bestTumourDist = Infinity;
  for (let d = 0; d < D; d++) {
    const z = D > 1 ? (2 * (d + 0.5)) / D - 1 : 0;
    for (let h = 0; h < H; h++) {
      const y = (2 * (h + 0.5)) / H - 1;
      for (let w = 0; w < W; w++) {
        const x = (2 * (w + 0.5)) / W - 1;
        const i = (d * H + h) * W + w;
        const s = bodyScale(z);
        const rb = ((x - body.cx) / (body.ax * s)) ** 2 + ((y - body.cy) / (body.ay * s)) ** 2;
        let hu = -1000;
        let amp = 0;
        let ctx: number = C.background;
        let lab = 0;
        if (rb <= 1) {
          // Subcutaneous fat, then the muscle wall, then intra-abdominal fat.
          hu = -100;
          amp = 8;
          if (rb > 0.72 && rb <= 0.86) {
            hu = 50;
            amp = 6;
            ctx = C.muscle;
          } else if (rb <= 0.72) {
            hu = -80;
            for (const b of bowels) {
              const v = blobValue(b.blob, x, y, z);
              if (v > 1) continue;
              ctx = C.bowel;
              if (v > 0.7) {
                hu = 40;
                amp = 5;
              } else if (b.content === 'air' || (b.content === 'mixed' && y < b.blob.c[1])) {
                hu = -850;
                amp = 30;
              } else {
                hu = b.fluidHU;
                amp = 10;
              }
            }
            for (const kb of kidneys) {
              const v = blobValue(kb, x, y, z);
              if (v <= 1) {
                ctx = C.kidney;
                hu = v < 0.35 ? 110 : 165;
                amp = 6;
              }
            }
            for (const m of muscles)
              if (blobValue(m, x, y, z) <= 1) {
                ctx = C.muscle;
                hu = 52;
                amp = 6;
              }
            if (blobValue(spleen, x, y, z) <= 1) {
              ctx = C.spleen;
              hu = 118;
              amp = 5;
            }
            const vl = blobValue(liver, x, y, z) * (1 + 0.06 * Math.sin(7 * x + 5 * y + 3 * z));
            if (vl <= 1) {
              ctx = C.liver;
              hu = 105;
              amp = 5;
              // Hepatic vessels: thin bright tubes through the liver.
              if (Math.abs(Math.sin(9 * x + 2 * z) + Math.cos(8 * y - z)) < 0.06) {
                hu = 170;
                ctx = C.liver;
              }
            }
            if ((x - aorta.cx) ** 2 + (y - aorta.cy) ** 2 <= aorta.r ** 2) {
              ctx = C.vessel;
              hu = 190;
              amp = 4;
            }
            if ((x - ivc.cx) ** 2 + (y - ivc.cy) ** 2 <= ivc.r ** 2) {
              ctx = C.vessel;
              hu = ivc.hu;
              amp = 8;
            }
          }
          const rs = (x - spine.cx) ** 2 + (y - spine.cy) ** 2;
          if (rs <= spine.r ** 2) {
            ctx = C.bone;
            hu = rs > 0.7 * spine.r ** 2 ? 700 : 300;
            amp = 40;
          }
          // Tumours: inside the liver only; look-alikes: inside their host only, same appearance.
          if (ctx === C.liver) {
            for (const t of tumours) {
              const v = blobValue(t.blob, x, y, z);
              if (v <= 1) {
                hu = t.hu + 8 * (1 - v);
                amp = 14;
                lab = 1;
              }
              if (v < bestTumourDist) {
                bestTumourDist = v;
                firstTumourVoxel = i;
              }
            }
          } else {
            for (const la of lookAlikes) {
              if (la.context !== ctx || blobValue(la.host, x, y, z) > 1) continue;
              const v = blobValue(la.blob, x, y, z);
              if (v <= 1) {
                hu = la.hu + 8 * (1 - v);
                amp = 14;
              }
            }
          }
        }
        image[i] = hu + amp * texture[i]! + (rb <= 1 ? noise[i]! : noise[i]! * 0.3);
        label[i] = lab;
        context[i] = ctx;
      }
    }
  }
  // Tiny volumes can miss every tumour; mark the liver voxel closest to a tumour centre so each case has an ROI.
  if (!label.includes(1) && firstTumourVoxel >= 0) {
    label[firstTumourVoxel] = 1;
    image[firstTumourVoxel] = tumours[0]!.hu + 8 + noise[firstTumourVoxel]!;
  }
  if (o.roi === 'liver+tumour') for (let i = 0; i < n; i++) label[i] = label[i] === 1 ? 2 : context[i] === C.liver ? 1 : 0;
  return {
    id,
    image: packed('float32', [1, D, H, W], image),
    label: packed('uint8', [1, D, H, W], label),
    context: packed('uint8', [1, D, H, W], context),
    spacing,
  };
}

/**
 * Generates a seeded cohort of abdominal-CT-like phantoms: images
 * `[1, D, H, W]` in Hounsfield-like units (float32), tumour labels and organ
 * context labels `[1, D, H, W]` (uint8). Case `i` depends only on the key and
 * `i`, so a larger cohort extends a smaller one.
 * @example const cohort = phantom(key(0), { cases: 4, size: [1, 96, 96] })
 * @category phantom
 */
export function phantom(k: Key, options: PhantomOptions): PhantomCohort {
  const op = 'phantom';
  if (!(Number.isSafeInteger(options.cases) && options.cases >= 1)) throw new ValueError(op, `cases must be a positive integer, got ${options.cases}`);
  const size = checkTriple(op, 'size', options.size, true);
  const spacing = checkTriple(op, 'spacing', options.spacing ?? [2.5, 1.5, 1.5], false);
  const tumours = options.tumours ?? [1, 3];
  const lookAlikes = options.lookAlikes ?? [2, 4];
  for (const [name, [lo, hi], min] of [
    ['tumours', tumours, 1],
    ['lookAlikes', lookAlikes, 0],
  ] as const) {
    if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo >= min && lo <= hi)) {
      throw new ValueError(op, `${name} must be an integer range [lo, hi] with ${min} <= lo <= hi, got [${lo}, ${hi}]`);
    }
  }
  const noise = options.noise ?? 10;
  if (!(noise >= 0 && Number.isFinite(noise))) throw new ValueError(op, `noise must be a finite non-negative HU value, got ${noise}`);
  const prefix = options.prefix ?? 'phantom';
  const roi = options.roi ?? 'tumour';
  if (roi !== 'tumour' && roi !== 'liver+tumour') throw new ValueError(op, `roi must be 'tumour' or 'liver+tumour', got ${JSON.stringify(roi)}`);
  const keys = split(k, options.cases);
  const cases = keys.map((kc, i) => phantomCase(kc, `${prefix}_${String(i).padStart(3, '0')}`, size, spacing, { tumours, lookAlikes, noise, roi }));
  return { cases, labels: roi === 'tumour' ? PHANTOM_LABELS : PHANTOM_LABELS_LIVER_TUMOUR, contextLabels: PHANTOM_CONTEXT_LABELS, spacing };
}
