import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { phantom } from '@colab-ts/data';
import type { NDArray } from '@colab-ts/ndarray';
import { array, expandDims, key, toTypedArray } from '@colab-ts/ndarray';
import { test as fcTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArchitectureFile, Checkpoint, RunConfig } from '../src/index.js';
import { EXIT, decodeSafetensors, encodeSafetensors, loadCheckpoint, memoryIo, normalizeImage, run, unetStateDict } from '../src/index.js';
import { modelFn } from '../src/model.js';
import { onReferenceBackend, cmdline } from './helpers.js';

const PYTHON = process.env.COLAB_TS_PYTHON ?? '/usr/bin/python3'; // Debian's python3-torch lives in the system Python
const SCRIPT = fileURLToPath(new URL('../../../examples/pytorch/colab_unet.py', import.meta.url));
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn(`interop.test.ts: skipping the PyTorch checks: ${PYTHON} cannot import torch (fix: apt-get install python3-torch)`);

const bits = (x: NDArray): number[] => {
  const d = toTypedArray(x) as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
};
const maxAbsDiff = (a: NDArray, b: NDArray): number => {
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
};
const python = (...args: string[]): string => {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`colab_unet.py ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
/** PyTorch's logits of `x` with the weights and architecture of `dir`. */
const torchLogits = (dir: string, x: NDArray, weights = 'model.safetensors'): NDArray => {
  writeFileSync(join(dir, 'x.safetensors'), encodeSafetensors([['x', x]]));
  python(
    'forward',
    '--weights',
    join(dir, weights),
    '--architecture',
    join(dir, 'architecture.json'),
    '--input',
    join(dir, 'x.safetensors'),
    '--out',
    join(dir, 'logits.safetensors'),
  );
  return decodeSafetensors(readFileSync(join(dir, 'logits.safetensors'))).tensors.get('logits')!;
};
const runTheta = (dir: string): unknown => (loadCheckpoint(join(dir, 'best.ckpt')) as Checkpoint).state.theta;

/** A normalised phantom image `[1, 1, D, H, W]` as predict feeds it. */
const phantomInput = (size: readonly [number, number, number], seed: number): NDArray => {
  const c = phantom(key(seed), { cases: 1, size }).cases[0]!;
  return expandDims(normalizeImage(array(Float32Array.from(toTypedArray(c.image)), c.image.shape), { kind: 'zscore' }), 0);
};

describe('colab-ts export and import', () => {
  const fx = onReferenceBackend('interop', 2);
  let runDir: string;
  let exported: string;
  beforeAll(async () => {
    runDir = join(fx.root, 'run');
    exported = join(fx.root, 'exported');
    const io = memoryIo();
    // CoLab (c - 1 + t = 3 outputs), trained 2 steps so that biases and norm affine are no longer at their initial values.
    const code = await run(
      cmdline`train --data ${fx.data} --out ${runDir} --iterations 2 --val-every 2 --batch-size 1 --features 4 --stages 3 --patch 1,32,32`,
      io,
    );
    if (code !== EXIT.ok) throw new Error(io.err());
    const e = memoryIo();
    if ((await run(['export', '--run', runDir, '--out', exported], e)) !== EXIT.ok) throw new Error(e.err());
  });

  it('export writes the U-Net under nnU-Net PlainConvUNet keys and its arch_kwargs; import gives back the same weights bit for bit, and the same predictions', async () => {
    const st = decodeSafetensors(readFileSync(join(exported, 'model.safetensors')));
    const theta = runTheta(runDir) as Parameters<typeof unetStateDict>[0];
    expect([...st.tensors.keys()].sort()).toEqual(
      unetStateDict(theta)
        .map(([k]) => k)
        .sort(),
    );
    expect(st.tensors.get('decoder.seg_layers.1.weight')!.shape).toEqual([3, 4, 1, 1, 1]);
    const arch = JSON.parse(readFileSync(join(exported, 'architecture.json'), 'utf8')) as ArchitectureFile;
    // The run's U-Net: three 2D-like stages ([1, 3, 3] kernels, in-plane strides), 4 to 16 features, two convs per stage.
    const k = arch.arch_kwargs;
    expect([k.n_stages, k.features_per_stage, k.n_conv_per_stage, k.n_conv_per_stage_decoder]).toEqual([3, [4, 8, 16], [2, 2, 2], [2, 2]]);
    expect(k.kernel_sizes).toEqual(Array.from({ length: 3 }, () => [1, 3, 3]));
    expect(k.strides).toEqual([[1, 1, 1], ...Array.from({ length: 2 }, () => [1, 2, 2])]);
    expect(arch).toMatchObject({
      num_classes: 3,
      input_channels: 1,
      deep_supervision: false,
      patch_size: [1, 32, 32],
      colab_ts: { method: 'colab', t: 2, classes: 2 },
    });
    const imported = join(fx.root, 'imported');
    const io = memoryIo();
    expect(
      await run(['import', '--weights', join(exported, 'model.safetensors'), '--architecture', join(exported, 'architecture.json'), '--out', imported], io),
    ).toBe(EXIT.ok);
    expect(unetStateDict(runTheta(imported) as never).map(([k, x]) => [k, bits(x)])).toEqual(unetStateDict(theta).map(([k, x]) => [k, bits(x)]));
    const cfg = JSON.parse(readFileSync(join(imported, 'config.json'), 'utf8')) as RunConfig & { imported: { weights: string } };
    expect(cfg).toMatchObject({
      method: 'colab',
      classes: 2,
      t: 2,
      patch: [1, 32, 32],
      normalization: (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as RunConfig).normalization,
    });
    expect(cfg.imported.weights).toBe(join('..', 'exported', 'model.safetensors')); // relative to the run
    for (const [r, out] of [
      [runDir, 'p1'],
      [imported, 'p2'],
    ] as const)
      expect(await run(['predict', '--run', r, '--input', join(fx.data, 'imagesTr'), '--out', join(fx.root, out)], memoryIo())).toBe(EXIT.ok);
    for (const f of readdirSync(join(fx.root, 'p1'))) expect(readFileSync(join(fx.root, 'p2', f)).equals(readFileSync(join(fx.root, 'p1', f)))).toBe(true);
  });

  it('import refuses weights that do not match the architecture, missing keys and a broken architecture file, each with a fix (exit 2)', async () => {
    const arch = JSON.parse(readFileSync(join(exported, 'architecture.json'), 'utf8')) as ArchitectureFile;
    const bad = join(fx.root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...arch, num_classes: 5, arch_kwargs: { ...arch.arch_kwargs, features_per_stage: [4, 8, 32] } }));
    const io = memoryIo();
    expect(await run(['import', '--weights', join(exported, 'model.safetensors'), '--architecture', bad, '--out', join(fx.root, 'x1')], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/arch_kwargs.features_per_stage is \[4,8,32\], the weights have \[4,8,16\] \(fix: /);
    expect(io.err()).toMatch(/num_classes 5, the weights have 3 outputs \(fix: /);
    const st = decodeSafetensors(readFileSync(join(exported, 'model.safetensors')));
    const fewer = join(fx.root, 'fewer.safetensors');
    writeFileSync(fewer, encodeSafetensors([...st.tensors].filter(([k]) => k !== 'decoder.stages.1.convs.0.norm.bias')));
    const io2 = memoryIo();
    expect(await run(['import', '--weights', fewer, '--architecture', join(exported, 'architecture.json'), '--out', join(fx.root, 'x2')], io2)).toBe(
      EXIT.usage,
    );
    expect(io2.err()).toMatch(/missing 1 nnU-Net key\(s\): decoder.stages.1.convs.0.norm.bias .*\(fix: /);
    writeFileSync(bad, '{');
    const io3 = memoryIo();
    expect(await run(['import', '--weights', fewer, '--architecture', bad, '--out', join(fx.root, 'x3')], io3)).toBe(EXIT.usage);
    expect(io3.err()).toMatch(/not valid JSON .*\(fix: /);
    const io4 = memoryIo();
    expect(
      await run(
        ['import', '--weights', join(exported, 'architecture.json'), '--architecture', join(exported, 'architecture.json'), '--out', join(fx.root, 'x4')],
        io4,
      ),
    ).toBe(EXIT.usage);
    expect(io4.err()).toMatch(/not a safetensors file .*\(fix: /);
  });

  // Broken architecture files and weights: every outcome is exit 0 (then predict works) or 2 with a fix, never the catch-all (finish checks).
  const PATHS = [
    'num_classes',
    'patch_size',
    'deep_supervision',
    'arch_kwargs',
    'arch_kwargs.features_per_stage',
    'arch_kwargs.strides',
    'arch_kwargs.kernel_sizes',
    'arch_kwargs.n_conv_per_stage',
    'arch_kwargs.nonlin_kwargs',
    'colab_ts',
    'colab_ts.method',
    'colab_ts.t',
    'colab_ts.classes',
    'colab_ts.labels',
    'colab_ts.normalization',
    'colab_ts.normalization.kind',
    'colab_ts.normalization.stats',
    'colab_ts.spacing',
  ];
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      [1, 32, 32],
      [2, 32, 32],
      [1, 16, 16],
      [32, 32],
      2,
      3,
      0,
      -1,
      'colab',
      'baseline',
      { kind: 'ct', stats: { mean: 0, std: 0, lower: 1, upper: 0 } },
      { kind: 'zscore' },
      { background: 0, a: 1, b: 2 },
    ),
  );
  let fuzzRun = 0;
  fcTest.prop([fc.constantFrom(...PATHS), value, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined }), fc.boolean()], {
    numRuns: Number(process.env.FUZZ_RUNS ?? 25),
  })('import of broken architecture files and weights: exit 0 (and predict works) or 2 with a fix', async (path, v, flip, truncate) => {
    const dir = join(fx.root, `fuzz${fuzzRun++}`);
    mkdirSync(dir);
    const arch = JSON.parse(readFileSync(join(exported, 'architecture.json'), 'utf8')) as Record<string, unknown>;
    const keys = path.split('.');
    let at: Record<string, unknown> = arch;
    for (const k of keys.slice(0, -1)) {
      if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    at[keys[keys.length - 1]!] = v;
    writeFileSync(join(dir, 'architecture.json'), JSON.stringify(arch));
    const w = new Uint8Array(readFileSync(join(exported, 'model.safetensors')));
    if (flip !== undefined) w[flip[0] % w.length] = flip[1];
    writeFileSync(join(dir, 'model.safetensors'), truncate ? w.subarray(0, w.length - 7) : w);
    const io = memoryIo();
    const code = await run(
      ['import', '--weights', join(dir, 'model.safetensors'), '--architecture', join(dir, 'architecture.json'), '--out', join(dir, 'run')],
      io,
    );
    expect([EXIT.ok, EXIT.usage]).toContain(code);
    if (code === EXIT.usage) expect(io.err()).toMatch(/\(fix: /);
    else {
      const pio = memoryIo();
      const pc = await run(['predict', '--run', join(dir, 'run'), '--input', join(fx.data, 'imagesTr'), '--out', join(dir, 'p')], pio);
      expect([EXIT.ok, EXIT.usage], pio.err()).toContain(pc);
    }
  });

  describe.skipIf(!hasTorch)('against PyTorch (examples/pytorch/colab_unet.py)', () => {
    it('PyTorch loads the exported weights strictly and matches colab-ts logits on a phantom to 1e-5', async () => {
      const x = phantomInput([1, 32, 32], 11);
      const ours = await modelFn(runTheta(runDir))(x);
      const theirs = torchLogits(exported, x);
      expect(theirs.shape).toEqual([1, 3, 1, 32, 32]);
      const d = maxAbsDiff(ours, theirs);
      console.log(
        `interop: exported 2D-like U-Net, max |logit difference| = ${d.toExponential(2)} (logits up to ${Math.max(...[...toTypedArray(ours)].map(Math.abs)).toFixed(2)})`,
      );
      expect(d).toBeLessThan(1e-5);
    });

    it('an nnU-Net v2 2D model folder (Conv2d weights, all_modules and decoder.encoder aliases, unused seg_layers) converts with from-nnunet and imports to the same logits', async () => {
      const model = join(fx.root, 'nnunet', 'nnUNetTrainer__nnUNetPlans__2d');
      const py = [
        'import sys, os, json, torch',
        `sys.path.insert(0, ${JSON.stringify(join(SCRIPT, '..'))})`,
        'import colab_unet as c',
        `E, M = ${JSON.stringify(exported)}, ${JSON.stringify(model)}`,
        'arch = json.load(open(os.path.join(E, "architecture.json")))',
        'sd = dict(c.load(os.path.join(E, "model.safetensors"), arch).state_dict())',
        'sd = {k: (v.squeeze(2) if v.dim() == 5 else v) for k, v in sd.items()}  # Conv2d / ConvTranspose2d weights',
        'extra = {}',
        'for k, v in sd.items():',
        '    if ".conv." in k: extra[k.replace(".conv.", ".all_modules.0.")] = v',
        '    if ".norm." in k: extra[k.replace(".norm.", ".all_modules.1.")] = v',
        'for k, v in list(sd.items()) + list(extra.items()):',
        '    if k.startswith("encoder."): extra["decoder." + k] = v',
        'sd.update(extra)',
        'a = arch["arch_kwargs"]; n = a["n_stages"]',
        'for j in range(n - 2): sd[f"decoder.seg_layers.{j}.weight"] = torch.randn(3, a["features_per_stage"][-(j + 2)], 1, 1); sd[f"decoder.seg_layers.{j}.bias"] = torch.randn(3)',
        'os.makedirs(os.path.join(M, "fold_0"))',
        'torch.save({"network_weights": sd}, os.path.join(M, "fold_0", "checkpoint_final.pth"))',
        'ak = dict(a, conv_op="torch.nn.modules.conv.Conv2d", norm_op="torch.nn.modules.instancenorm.InstanceNorm2d", kernel_sizes=[k[1:] for k in a["kernel_sizes"]], strides=[s[1:] for s in a["strides"]])',
        'plans = {"configurations": {"2d": {"patch_size": [32, 32], "spacing": [1.5, 1.5], "architecture": {"network_class_name": arch["network_class_name"], "arch_kwargs": ak, "_kw_requires_import": arch["_kw_requires_import"]}}}, "foreground_intensity_properties_per_channel": {"0": {"mean": 40.0, "std": 30.0, "percentile_00_5": -50.0, "percentile_99_5": 200.0}}}',
        'json.dump(plans, open(os.path.join(M, "plans.json"), "w"))',
        'json.dump({"channel_names": {"0": "CT"}, "labels": {"background": 0, "tumour": 1, "other": 2}}, open(os.path.join(M, "dataset.json"), "w"))',
      ].join('\n');
      const made = spawnSync(PYTHON, ['-c', py], { encoding: 'utf8' });
      expect(made.stderr).toBe('');
      python('from-nnunet', '--model', model, '--configuration', '2d', '--out', join(fx.root, 'from-nnunet'));
      const imported = join(fx.root, 'imported-nnunet');
      const io = memoryIo();
      expect(
        await run(
          cmdline`import --weights ${join(fx.root, 'from-nnunet', 'model.safetensors')} --architecture ${join(fx.root, 'from-nnunet', 'architecture.json')} --out ${imported}`,
          io,
        ),
      ).toBe(EXIT.ok);
      expect(JSON.parse(readFileSync(join(imported, 'config.json'), 'utf8'))).toMatchObject({
        method: 'baseline',
        classes: 3,
        patch: [1, 32, 32],
        normalization: { kind: 'ct', stats: { mean: 40, std: 30, lower: -50, upper: 200 } },
        labels: { background: 0, tumour: 1, other: 2 },
      });
      const x = phantomInput([1, 32, 32], 13);
      expect(maxAbsDiff(await modelFn(runTheta(imported))(x), await modelFn(runTheta(runDir))(x))).toBe(0);
    });

    it('PyTorch-initialised 3D weights (anisotropic strides, deep supervision) import into colab-ts and match to 1e-5; the safetensors checkpoint is readable by the pure-Python reader', async () => {
      const dir = join(fx.root, 'torch3d');
      mkdirSync(dir);
      const arch = {
        network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
        arch_kwargs: {
          n_stages: 3,
          features_per_stage: [4, 6, 8],
          kernel_sizes: [
            [3, 3, 3],
            [3, 3, 3],
            [1, 3, 3],
          ],
          strides: [
            [1, 1, 1],
            [2, 2, 2],
            [1, 2, 2],
          ],
          n_conv_per_stage: [2, 1, 2],
          n_conv_per_stage_decoder: [1, 2],
        },
        input_channels: 1,
        num_classes: 2,
        deep_supervision: true,
        patch_size: [4, 16, 16],
      };
      writeFileSync(join(dir, 'architecture.json'), JSON.stringify(arch));
      python('init', '--architecture', join(dir, 'architecture.json'), '--seed', '3', '--out', join(dir, 'torch.safetensors'));
      const imported = join(fx.root, 'imported3d');
      const io = memoryIo();
      expect(await run(['import', '--weights', join(dir, 'torch.safetensors'), '--architecture', join(dir, 'architecture.json'), '--out', imported], io)).toBe(
        EXIT.ok,
      );
      expect(io.err()).toMatch(/warning: architecture.json has no colab_ts.normalization/);
      const x = phantomInput([4, 16, 16], 12);
      const ours = await modelFn(runTheta(imported))(x);
      const theirs = torchLogits(dir, x, 'torch.safetensors');
      expect(theirs.shape).toEqual([1, 2, 4, 16, 16]);
      const d = maxAbsDiff(ours, theirs);
      console.log(`interop: PyTorch-initialised 3D U-Net, max |logit difference| = ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-5);
      // The run's best.ckpt (a safetensors checkpoint) reads in Python with the same reader, under the same keys.
      const out = spawnSync(
        PYTHON,
        [
          '-c',
          `import sys; sys.path.insert(0, ${JSON.stringify(join(SCRIPT, '..'))}); import colab_unet as c, json; t, m = c.read_safetensors(${JSON.stringify(join(imported, 'best.ckpt'))}); print(json.dumps({"keys": sorted(t), "step": m["step"]}))`,
        ],
        { encoding: 'utf8' },
      );
      const r = JSON.parse(out.stdout) as { keys: string[]; step: string };
      expect(r.keys).toEqual(
        unetStateDict(runTheta(imported) as never)
          .map(([k]) => k)
          .sort(),
      );
      expect(r.step).toBe('0');
    });
  });
});
