import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from '@fast-check/vitest';
import * as fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { EXIT, EXIT_INTERRUPTED, memoryIo, run, trainSpec } from '../src/index.js';
import { onReferenceBackend } from './helpers.js';

/**
 * The whole command on random command lines over real and broken folders:
 * every run ends with a defined exit code and, unless it succeeds, one line
 * per problem with a fix; none reaches the catch-all (checked by `finish`).
 */
describe('command-line fuzz (issue #12)', () => {
  const fx = onReferenceBackend('fuzz', 2);
  const fixedFlags = ['--iterations', '1', '--batch-size', '1', '--features', '2', '--val-every', '1'];
  beforeAll(async () => {
    const code = await run(['train', '--data', fx.data, '--out', join(fx.root, 'trained'), ...fixedFlags], memoryIo());
    expect(code).toBe(EXIT.ok);
  });
  let n = 0;

  const value = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('1', '2', '3', '0.5', '0.9') },
    { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1.5', '1e309', 'NaN', 'abc', '') },
  );
  const fixed = new Set(['data', 'out', 'iterations', 'batch-size', 'features', 'val-every', 'resume', 'backend']);
  const trainFlag = fc.oneof(
    fc.tuple(
      fc.constantFrom(...trainSpec.flags.filter((f) => !fixed.has(f.name) && f.kind !== 'triple' && f.kind !== 'enum').map((f) => `--${f.name}`)),
      value,
    ),
    fc.tuple(fc.constant('--patch'), fc.constantFrom('1,32,32', '1,16,16', '2,32,32', '1,64,64', '1,30,30', '1,32', '0,32,32')),
    fc.tuple(fc.constant('--method'), fc.constantFrom('baseline', 'colab', 'kmeans', 'dilated', 'anatomy', 'colap')),
  );
  const place = fc.constantFrom('dataset', 'labels', 'images', 'empty', 'file', 'missing', 'trained');
  const mostly = (p: string) => fc.oneof({ weight: 3, arbitrary: fc.constant(p) }, { weight: 1, arbitrary: place });
  const commandLine = fc.oneof(
    fc.record({
      cmd: fc.constant('train'),
      a: mostly('dataset'),
      b: fc.constantFrom('fresh', 'fresh', 'trained', 'file'),
      flags: fc.uniqueArray(trainFlag, { selector: ([k]) => k, maxLength: 3 }),
      resume: fc.boolean(),
    }),
    fc.record({ cmd: fc.constant('predict'), a: mostly('trained'), b: mostly('images'), flags: fc.constant([]), resume: fc.constant(false) }),
    fc.record({ cmd: fc.constant('evaluate'), a: mostly('labels'), b: mostly('labels'), flags: fc.constant([]), resume: fc.constant(false) }),
  );

  test.prop([commandLine], { numRuns: 30 })('every command line ends in a defined exit code with a fix per problem', async ({ cmd, a, b, flags, resume }) => {
    const root = join(fx.root, `case-${n++}`);
    mkdirSync(join(root, 'empty'), { recursive: true });
    writeFileSync(join(root, 'file'), 'x');
    const at = (p: string): string =>
      ({
        dataset: fx.data,
        labels: join(fx.data, 'labelsTr'),
        images: join(fx.data, 'imagesTr'),
        empty: join(root, 'empty'),
        file: join(root, 'file'),
        missing: join(root, 'missing'),
        trained: join(fx.root, 'trained'),
        fresh: join(root, 'out'),
      })[p]!;
    const argv =
      cmd === 'train'
        ? ['train', '--data', at(a), '--out', at(b), ...fixedFlags, ...(resume ? ['--resume'] : []), ...flags.flat()]
        : cmd === 'predict'
          ? ['predict', '--run', at(a), '--input', at(b), '--out', join(root, 'preds')]
          : ['evaluate', '--pred', at(a), '--gt', at(b), '--out', join(root, 'eval')];
    const io = memoryIo();
    const code = await run(argv, io);
    expect([EXIT.ok, EXIT.failure, EXIT.usage, EXIT_INTERRUPTED]).toContain(code);
    if (code !== EXIT.ok) {
      const lines = io
        .err()
        .split('\n')
        .filter((l) => l.startsWith(`colab-ts ${cmd}: `) && !l.includes(': warning: '));
      expect(lines.length).toBeGreaterThan(0);
      // Each problem ends with its fix (a dataset report heads its indented per-case lines).
      for (const l of lines.filter((x) => !x.startsWith(`colab-ts ${cmd}:   `) && !/problems? with the dataset:$/.test(x))) expect(l).toMatch(/\(fix: .+\)$/);
    }
  });
});
