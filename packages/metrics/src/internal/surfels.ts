/**
 * Surface elements on the voxel-corner grid: for every 2x2x2 (3D) or 2x2 (2D)
 * neighbour code, the iso-surface (resp. contour) that marching cubes (resp.
 * marching squares) draws through the cube whose corners are the eight
 * (four) voxel centres around a grid corner, and its area (length) in mm for
 * a given spacing. Generated here from first principles, not copied from a
 * table.
 * @module
 */

/** A point in the unit cube of one neighbourhood, coordinates `[d, h, w]` in voxels. */
type Vec3 = readonly [number, number, number];

/** Bit of the neighbour code for the cube corner `c` (each 0 or 1): DeepMind's kernel [[[128, 64], [32, 16]], [[8, 4], [2, 1]]]. @category internal */
export const cornerBit = (c0: number, c1: number, c2: number): number => 1 << (7 - (4 * c0 + 2 * c1 + c2));

/** Bit of the 2D neighbour code for the square corner `(c0, c1)`: kernel [[8, 4], [2, 1]]. @category internal */
export const cornerBit2d = (c0: number, c1: number): number => 1 << (3 - (2 * c0 + c1));

/**
 * Marching squares on one square with corners `q` in cyclic order (`fg[i]`
 * says whether `q[i]` is foreground): the contour segments, each a pair of
 * cut sides given by the index `i` of side `q[i] -> q[i + 1]`. On a saddle
 * (diagonal corners alike) the corners of class `separate` are cut off one by
 * one.
 */
function squareSegments(fg: readonly boolean[], separate: boolean): [number, number][] {
  const cut = [0, 1, 2, 3].filter((i) => fg[i] !== fg[(i + 1) % 4]);
  if (cut.length === 0) return [];
  if (cut.length === 2) return [[cut[0]!, cut[1]!]];
  // Saddle: corner i lies between sides i - 1 and i.
  return [0, 1, 2, 3].filter((i) => fg[i] === separate).map((i) => [(i + 3) % 4, i] as [number, number]);
}

const popcount = (code: number): number => {
  let n = 0;
  for (let c = code; c; c >>= 1) n += c & 1;
  return n;
};

/**
 * The iso-surface polygons of a 3D neighbour code, each a closed loop of
 * cube-edge midpoints. Faces are cut by marching squares; on a saddle face the
 * class with fewer corners in the cube is separated (the foreground when the
 * cube has four foreground corners), so that a code and its complement give
 * the same surface.
 * @category internal
 */
export function polygons3d(code: number): Vec3[][] {
  const fgAt = (c: readonly number[]): boolean => (code & cornerBit(c[0]!, c[1]!, c[2]!)) !== 0;
  const separate = popcount(code) <= 4;
  // Midpoint of the edge between corners a and b, keyed by the pair.
  const key = (a: readonly number[], b: readonly number[]): string => [a.join(''), b.join('')].sort().join('-');
  const mid = new Map<string, Vec3>();
  const adj = new Map<string, string[]>();
  const link = (u: string, v: string): void => {
    adj.set(u, [...(adj.get(u) ?? []), v]);
    adj.set(v, [...(adj.get(v) ?? []), u]);
  };
  for (let axis = 0; axis < 3; axis++) {
    const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
    for (let side = 0; side < 2; side++) {
      const q = [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ].map(([a, b]) => {
        const c = [0, 0, 0];
        c[axis] = side;
        c[u] = a!;
        c[v] = b!;
        return c;
      });
      const sideKey = (i: number): string => {
        const a = q[i]!;
        const b = q[(i + 1) % 4]!;
        const k = key(a, b);
        mid.set(k, [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2, (a[2]! + b[2]!) / 2]);
        return k;
      };
      for (const [i, j] of squareSegments(q.map(fgAt), separate)) link(sideKey(i), sideKey(j));
    }
  }
  // Every cut edge lies on two faces and in one segment of each: the segments form disjoint loops.
  const seen = new Set<string>();
  const loops: Vec3[][] = [];
  for (const start of [...adj.keys()].sort()) {
    if (seen.has(start)) continue;
    const loop: Vec3[] = [];
    let prev = '';
    let cur = start;
    while (!seen.has(cur)) {
      seen.add(cur);
      loop.push(mid.get(cur)!);
      const next = adj.get(cur)!.find((n) => n !== prev && !seen.has(n)) ?? start;
      prev = cur;
      cur = next;
    }
    loops.push(loop);
  }
  return loops;
}

/** Area of the triangle `abc`. */
function triangleArea(a: Vec3, b: Vec3, c: Vec3): number {
  const ux = b[0] - a[0],
    uy = b[1] - a[1],
    uz = b[2] - a[2];
  const vx = c[0] - a[0],
    vy = c[1] - a[1],
    vz = c[2] - a[2];
  return 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
}

/**
 * The triangulation of a closed loop (by its diagonals) of greatest area in
 * the unit cube. Loops of four or more edge midpoints need not be planar, so
 * their area depends on the triangulation; this rule reproduces the areas of
 * DeepMind's `surface-distance` table, which comes from a classic
 * marching-cubes triangle table. Ties go to the first found.
 */
function maxAreaTriangulation(loop: readonly Vec3[]): [Vec3, Vec3, Vec3][] {
  const n = loop.length;
  const best = new Map<number, { area: number; k: number }>();
  const solve = (i: number, j: number): number => {
    if (j - i < 2) return 0;
    const id = i * n + j;
    const hit = best.get(id);
    if (hit) return hit.area;
    let top = { area: -1, k: -1 };
    for (let k = i + 1; k < j; k++) {
      const area = solve(i, k) + solve(k, j) + triangleArea(loop[i]!, loop[k]!, loop[j]!);
      if (area > top.area + 1e-12) top = { area, k };
    }
    best.set(id, top);
    return top.area;
  };
  solve(0, n - 1);
  const out: [Vec3, Vec3, Vec3][] = [];
  const collect = (i: number, j: number): void => {
    if (j - i < 2) return;
    const { k } = best.get(i * n + j)!;
    out.push([loop[i]!, loop[k]!, loop[j]!]);
    collect(i, k);
    collect(k, j);
  };
  collect(0, n - 1);
  return out;
}

let cached3d: [Vec3, Vec3, Vec3][][] | undefined;

/** The surfel triangles of each of the 256 3D neighbour codes, in unit-cube coordinates. @category internal */
export function surfelTriangles3d(): readonly (readonly [Vec3, Vec3, Vec3][])[] {
  cached3d ??= Array.from({ length: 256 }, (_, code) => polygons3d(code).flatMap(maxAreaTriangulation));
  return cached3d;
}

/** Surfel area in mm^2 of each of the 256 3D neighbour codes for `spacing` `[d, h, w]` (0 for codes 0 and 255). @category internal */
export function surfelAreas3d(spacing: Vec3): Float64Array {
  const scale = (v: Vec3): Vec3 => [v[0] * spacing[0], v[1] * spacing[1], v[2] * spacing[2]];
  return Float64Array.from(surfelTriangles3d(), (tris) => tris.reduce((s, [a, b, c]) => s + triangleArea(scale(a), scale(b), scale(c)), 0));
}

/** Contour length in mm of each of the 16 2D neighbour codes for spacing `[h, w]` (0 for codes 0 and 15). @category internal */
export function contourLengths2d(spacing: readonly [number, number]): Float64Array {
  const q = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ] as const;
  return Float64Array.from({ length: 16 }, (_, code) => {
    const fg = q.map(([a, b]) => (code & cornerBit2d(a, b)) !== 0);
    const midpoint = (i: number): [number, number] => {
      const a = q[i]!;
      const b = q[(i + 1) % 4]!;
      return [((a[0] + b[0]) / 2) * spacing[0], ((a[1] + b[1]) / 2) * spacing[1]];
    };
    // On a saddle both choices give two segments of the same length.
    return squareSegments(fg, true).reduce((s, [i, j]) => {
      const a = midpoint(i);
      const b = midpoint(j);
      return s + Math.hypot(a[0] - b[0], a[1] - b[1]);
    }, 0);
  });
}
