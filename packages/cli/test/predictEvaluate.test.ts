import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Volume } from '@colab-ts/data';
import { loadNifti, saveNifti } from '@colab-ts/data';
import type { NDArray } from '@colab-ts/ndarray';
import { array, toTypedArray } from '@colab-ts/ndarray';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/index.js';
import { EXIT, loadCheckpoint, memoryIo, run, saveCheckpoint } from '../src/index.js';
import { onReferenceBackend, cmdline } from './helpers.js';

/** The largest 26-connected component of the non-zero voxels, by breadth-first search (first found wins a tie); other voxels 0. */
function largestComponentReference(lab: number[], [D, H, W]: [number, number, number]): number[] {
  const comp = new Int32Array(lab.length).fill(-1);
  const sizes: number[] = [];
  for (let s = 0; s < lab.length; s++) {
    if (lab[s] === 0 || comp[s] !== -1) continue;
    const id = sizes.length;
    const queue = [s];
    comp[s] = id;
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]!;
      const [z, y, x] = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
      for (let dz = -1; dz <= 1; dz++)
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const [zz, yy, xx] = [z + dz, y + dy, x + dx];
            if (zz < 0 || yy < 0 || xx < 0 || zz >= D || yy >= H || xx >= W) continue;
            const u = (zz * H + yy) * W + xx;
            if (lab[u] !== 0 && comp[u] === -1) {
              comp[u] = id;
              queue.push(u);
            }
          }
    }
    sizes.push(queue.length);
  }
  const best = sizes.indexOf(Math.max(...sizes));
  return lab.map((v, i) => (comp[i] === best ? v : 0));
}

/** Writes `vol` with data changed by `f` (and any other field overridden) to `dir/name`. */
async function variant(dir: string, name: string, vol: Volume, more: Partial<Volume> = {}, f?: (d: Float32Array) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const d = Float32Array.from(toTypedArray(vol.data) as ArrayLike<number>);
  f?.(d);
  await saveNifti(join(dir, name), { ...vol, data: array(d, vol.data.shape, 'float32'), ...more }, { datatype: 'float32' });
}

describe('predict and evaluate refuse what would score wrongly, and warn (issue #12)', () => {
  const fx = onReferenceBackend('pe', 2);
  let runDir: string;
  let trainIo: ReturnType<typeof memoryIo>;
  let trainFlags: string[];
  beforeAll(async () => {
    runDir = join(fx.root, 'run');
    trainIo = memoryIo();
    // nnU-Net's SGD setting (not the short-budget default): in 2 iterations it finds some ROI here, which the first test needs.
    trainFlags = cmdline`--data ${fx.data} --out ${runDir} --val-every 2 --batch-size 1 --features 2 --stages 2 --patch 1,32,32 --lr 0.01 --momentum 0.99`;
    const code = await run(['train', ...trainFlags, '--iterations', '2'], trainIo);
    if (code !== EXIT.ok) throw new Error(trainIo.err());
  });

  it('predict --largest-component keeps the largest 26-connected ROI component of the plain prediction', async () => {
    const input = join(fx.data, 'imagesTr');
    const plainDir = join(fx.root, 'plain');
    const keptDir = join(fx.root, 'kept');
    expect(await run(['predict', '--run', runDir, '--input', input, '--out', plainDir], memoryIo())).toBe(EXIT.ok);
    expect(await run(['predict', '--run', runDir, '--input', input, '--out', keptDir, '--largest-component'], memoryIo())).toBe(EXIT.ok);
    for (const f of readdirSync(plainDir)) {
      const plain = await loadNifti(join(plainDir, f));
      const kept = Array.from(toTypedArray((await loadNifti(join(keptDir, f))).data) as ArrayLike<number>);
      expect(kept).toEqual(
        largestComponentReference(Array.from(toTypedArray(plain.data) as ArrayLike<number>), plain.data.shape.slice(-3) as [number, number, number]),
      );
    }
  });

  it('train warns when its best checkpoint never predicted the ROI; predict warns when no case has an ROI voxel', async () => {
    expect(trainIo.err()).not.toMatch(/warning/); // this run finds some ROI
    // A model whose ROI logit is hopelessly low predicts no ROI voxel; resumed, its validation Dice is 0.
    const latest = join(runDir, 'latest.ckpt');
    const ck = loadCheckpoint(latest) as Checkpoint;
    const theta = ck.state.theta as { head: { b: NDArray } };
    const b = Float32Array.from(toTypedArray(theta.head.b) as ArrayLike<number>);
    b[0] = -1e4;
    const silent = {
      ...ck,
      bestDice: -Infinity,
      valDice: [],
      state: { ...ck.state, theta: { ...theta, head: { ...theta.head, b: array(b, theta.head.b.shape, 'float32') } } },
    };
    saveCheckpoint(latest, silent);
    rmSync(join(runDir, 'best.ckpt'));
    const io = memoryIo();
    expect(await run(['train', ...trainFlags, '--resume', '--iterations', '3'], io)).toBe(EXIT.ok);
    expect(io.err()).toMatch(/warning: the best validation Dice is 0: the model never found the ROI .*\(fix: train longer/);
    const io2 = memoryIo();
    expect(await run(['predict', '--run', runDir, '--input', join(fx.data, 'imagesTr'), '--out', join(fx.root, 'preds')], io2)).toBe(EXIT.ok);
    expect(io2.err()).toMatch(/warning: the best checkpoint predicted no ROI voxel in any of the 2 case\(s\) \(fix: /);
  });

  it('predict refuses to write its label maps over its input images', async () => {
    const input = join(fx.root, 'in-place');
    const img = await loadNifti(join(fx.data, 'imagesTr', 'case_000.nii.gz'));
    await variant(input, 'case_000.nii.gz', img);
    const io = memoryIo();
    expect(await run(['predict', '--run', runDir, '--input', input, '--out', `${input}/.`], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/is the --input folder; the label maps would overwrite the images \(fix: pass another --out\)/);
    expect((await loadNifti(join(input, 'case_000.nii.gz'))).data.dtype).toBe('float32');
  });

  it('predict refuses an input with a NaN voxel (exit 2), naming the case and the count', async () => {
    const input = join(fx.root, 'nan-input');
    const img = await loadNifti(join(fx.data, 'imagesTr', 'case_000.nii.gz'));
    await variant(input, 'case_000.nii.gz', img, {}, (d) => {
      d[17] = Number.NaN;
    });
    const io = memoryIo();
    expect(await run(['predict', '--run', runDir, '--input', input, '--out', join(fx.root, 'nan-preds')], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/case case_000: .*case_000\.nii\.gz has 1 NaN or infinite voxel\(s\).*\(fix: replace them/);
    expect(readdirSync(fx.root)).not.toContain('nan-preds');
  });

  it('evaluate refuses a prediction shifted 10 mm or with another slice spacing, and warns on an empty one', async () => {
    const gt = join(fx.data, 'labelsTr');
    const truth = await loadNifti(join(gt, 'case_000.nii.gz'));
    const other = await loadNifti(join(gt, 'case_001.nii.gz'));
    const pred = join(fx.root, 'shifted');
    const shifted = truth.affine.map((row, r) => (r === 0 ? [row[0]!, row[1]!, row[2]!, row[3]! + 10] : [...row]));
    await variant(pred, 'case_000.nii.gz', truth, { affine: shifted });
    await variant(pred, 'case_001.nii.gz', other, { spacing: [other.spacing[0] * 2, other.spacing[1], other.spacing[2]] });
    const io = memoryIo();
    expect(await run(['evaluate', '--pred', pred, '--gt', gt], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/case case_000: prediction affine \(origin or orientation\) differs from the ground truth's by up to 10 \(fix: /);
    expect(io.err()).toMatch(/case case_001: prediction spacing \[.*\] mm != ground truth \[.*\] mm \(fix: /);

    const emptyDir = join(fx.root, 'empty');
    await variant(emptyDir, 'case_000.nii.gz', truth, {}, (d) => d.fill(0));
    await variant(emptyDir, 'case_001.nii.gz', other);
    const io2 = memoryIo();
    expect(await run(['evaluate', '--pred', emptyDir, '--gt', gt, '--out', join(fx.root, 'ev')], io2)).toBe(EXIT.ok);
    expect(io2.err()).toMatch(/warning: 1 of 2 prediction\(s\) are empty \(no ROI voxel\): case case_000; /);
  });

  it("evaluate counts the false positives far from the ROI (FarFP) beyond --far-beyond mm, and by default beyond train's margin", async () => {
    const gt = join(fx.data, 'labelsTr');
    const truth = await loadNifti(join(gt, 'case_000.nii.gz'));
    const other = await loadNifti(join(gt, 'case_001.nii.gz'));
    const [, H, W] = truth.data.shape as [number, number, number];
    const t = Array.from(toTypedArray(truth.data) as ArrayLike<number>);
    const [sd, sh, sw] = truth.spacing as [number, number, number];
    // The background voxel farthest from the ROI and its distance in mm, by brute force over all voxel pairs.
    const roi = t.flatMap((v, i) => (v !== 0 ? [[Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W] as const] : []));
    expect(roi.length).toBeGreaterThan(0);
    let farthest = -1;
    let dist = -1;
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== 0) continue;
      const [z, y, x] = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
      const d = Math.min(...roi.map(([a, b, c]) => Math.hypot((z - a) * sd, (y - b) * sh, (x - c) * sw)));
      if (d > dist) [farthest, dist] = [i, d];
    }
    const pred = join(fx.root, 'far');
    await variant(pred, 'case_000.nii.gz', truth, {}, (d) => {
      d[farthest] = 1;
    });
    await variant(pred, 'case_001.nii.gz', other);
    const farFp = async (flags: string[], out: string): Promise<{ csv: number[]; stdout: string }> => {
      const io = memoryIo();
      expect(await run(['evaluate', '--pred', pred, '--gt', gt, '--out', join(fx.root, out), ...flags], io)).toBe(EXIT.ok);
      const [head, ...rows] = readFileSync(join(fx.root, out, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n');
      const col = head!.split(',').indexOf('farFp');
      expect(col).toBeGreaterThan(0);
      const stats = JSON.parse(readFileSync(join(fx.root, out, 'statistics.json'), 'utf8')) as Record<string, Record<string, { mean: number }>>;
      const csv = rows.map((r) => Number(r.split(',')[col]));
      expect(stats['1']!.farFp!.mean).toBeCloseTo(csv.reduce((a, b) => a + b, 0) / csv.length, 12);
      return { csv, stdout: io.out() };
    };
    const below = await farFp(['--far-beyond', String(dist * 0.99)], 'far-below');
    expect(below.csv).toEqual([1, 0]);
    expect(below.stdout).toMatch(/FarFP 0\.5 ± 0\.7 voxels \(false positives farther than [0-9.]+ mm from the ROI\)/);
    expect((await farFp(['--far-beyond', String(dist * 1.01)], 'far-above')).csv).toEqual([0, 0]);
    // the default: train's margin for this grid (defaultMargin: 30 voxels scaled by min(1, in-plane extent / 256), at least 2, in mm of the finest in-plane spacing)
    const margin = Math.round(Math.max(2, (30 * Math.min(Math.max(H, W), 256)) / 256) * Math.min(sh, sw) * 100) / 100;
    expect(dist).toBeGreaterThan(margin);
    const def = await farFp([], 'far-default');
    expect(def.csv).toEqual([1, 0]);
    expect(def.stdout).toContain(`farther than ${margin} mm from the ROI: train's default margin m)`);
    for (const bad of ['-1', 'abc']) {
      const io = memoryIo();
      expect(await run(['evaluate', '--pred', pred, '--gt', gt, '--far-beyond', bad], io)).toBe(EXIT.usage);
      expect(io.err()).toContain(`--far-beyond: expects a number >= 0, got "${bad}" (fix: `);
    }
  });
});
