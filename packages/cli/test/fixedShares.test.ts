/**
 * `--method fixed` (constant context labels, an ablation of CoLab's generator): the run's target, its config.json and
 * its refusals. The target is pinned against the dilated-mask baseline, an independent path: with a binary mask M
 * (a temperature far below the voxel size), the dilated labels [1 - M, M] and the shares [0, 1] give the same
 * distance-constrained label, so the two runs must train the same weights bit for bit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/index.js';
import { EXIT, armName, loadCheckpoint, memoryIo, parseArms, run, train } from '../src/index.js';
import { bytesOf, fastTrain, onReferenceBackend, tempDataset } from './helpers.js';

const sameBytes = (a: Checkpoint, b: Checkpoint): boolean => {
  const [x, y] = [bytesOf(a.state), bytesOf(b.state)];
  return (
    x.length === y.length && x.every((v, i) => (typeof v === 'number' ? v === y[i] : Buffer.compare(Buffer.from(v), Buffer.from(y[i] as Uint8Array)) === 0))
  );
};

describe('train --method fixed', () => {
  const fx = onReferenceBackend('fixed');
  const binary = { margin: 6, temperature: 1e-6, iterations: 3 } as const;

  it('shares [0, 1] train the dilated-mask baseline bit for bit when M is binary; other shares do not', async () => {
    const ck = async (name: string, more: Parameters<typeof fastTrain>[2]): Promise<Checkpoint> => {
      const out = join(fx.root, name);
      await train(fastTrain(fx.data, out, { ...binary, ...more }), memoryIo());
      return loadCheckpoint(join(out, 'latest.ckpt')) as Checkpoint;
    };
    const dilated = await ck('dilated', { method: 'dilated' });
    const fixed01 = await ck('fixed01', { method: 'fixed', contextShares: '0,1' });
    const fixedHalf = await ck('fixedHalf', { method: 'fixed', contextShares: '0.5,0.5' });
    expect(bytesOf(dilated.state).filter((x) => typeof x !== 'number').length).toBeGreaterThan(10);
    expect(sameBytes(fixed01, dilated)).toBe(true);
    expect(sameBytes(fixedHalf, dilated)).toBe(false);
  }, 120_000);

  it('records the shares in config.json (default 1/t each), keeps them on resume, and refuses bad ones', async () => {
    const { dir, data } = await tempDataset('fixed-config', 3);
    const cfgOf = (out: string): { method: string; t: number; contextShares?: number[] } => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const out = join(dir, 'run');
    await train(fastTrain(data, out, { method: 'fixed', contextShares: '0.84, 0.16', iterations: 2, valEvery: 2 }), memoryIo());
    expect(cfgOf(out).contextShares).toEqual([0.84, 0.16]);
    await train(fastTrain(data, out, { method: 'fixed', iterations: 3, valEvery: 2, resume: true }), memoryIo());
    expect(cfgOf(out).contextShares).toEqual([0.84, 0.16]);
    const uniform = join(dir, 'uniform');
    await train(fastTrain(data, uniform, { method: 'fixed', t: 3, iterations: 1, valEvery: 1 }), memoryIo());
    expect(cfgOf(uniform)).toMatchObject({ method: 'fixed', t: 3, contextShares: [1 / 3, 1 / 3, 1 / 3] });
    const base = join(dir, 'base');
    await train(fastTrain(data, base, { method: 'dilated', iterations: 1, valEvery: 1 }), memoryIo());
    expect('contextShares' in cfgOf(base)).toBe(false);

    const refused = async (args: string[]): Promise<string> => {
      const io = memoryIo();
      expect(await run(['train', '--data', data, '--out', join(dir, 'refused'), ...args], io)).toBe(EXIT.usage);
      return io.err();
    };
    expect(await refused(['--method', 'colab', '--context-shares', '0.5,0.5'])).toContain('pass --method fixed, or drop --context-shares');
    expect(await refused(['--method', 'fixed', '--context-shares', '0.2,0.3,0.5'])).toContain('3 share(s) for --t 2 context classes (fix: pass --t 3');
    expect(await refused(['--method', 'fixed', '--context-shares', '0.5,0.6'])).toContain('shares must sum to 1, got 1.1');
    expect(await refused(['--method', 'fixed', '--context-shares', '1.5,-0.5'])).toContain('numbers in [0, 1], got 1.5');
    expect(await refused(['--method', 'fixed', '--context-shares', '0.5,x'])).toContain('numbers in [0, 1], got NaN');
    expect(await refused(['--method', 'fixed', '--context-shares', '0.5,'])).toContain('got NaN');
    expect(await refused(['--method', 'fixed', '--t', '1'])).toContain('--method fixed needs --t >= 2');
  }, 120_000);
});

describe('experiment: the fixed arm', () => {
  it('parses fixed and fixed3, names the runs after the shares, and refuses --context-shares without a fixed arm', async () => {
    expect(parseArms('fixed,fixed3')).toEqual([
      { method: 'fixed', t: 2 },
      { method: 'fixed', t: 3 },
    ]);
    expect(armName({ method: 'fixed', t: 2 })).toBe('fixed2');
    expect(armName({ method: 'fixed', t: 2, contextShares: '0.84, 0.16' })).toBe('fixed-0.84-0.16');
    expect(() => parseArms('fixed1')).toThrow(/fixed needs t >= 2/);
    const { dir, data } = await tempDataset('fixed-experiment', 3);
    const io = memoryIo();
    expect(await run(['experiment', '--data', data, '--out', join(dir, 'exp'), '--methods', 'baseline,colab', '--context-shares', '0.5,0.5'], io)).toBe(
      EXIT.usage,
    );
    expect(io.err()).toContain('--context-shares applies to the fixed arm');
  });
});
