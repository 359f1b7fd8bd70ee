import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from '@fast-check/vitest';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../src/index.js';
import {
  COMMANDS,
  VERSION,
  decodeArgs,
  flagKey,
  demoSpec,
  evaluateSpec,
  EXIT,
  helpText,
  inRange,
  memoryIo,
  rangeText,
  run,
  showArgIssue,
  trainSpec,
} from '../src/index.js';
import { cmdline, finish } from './helpers.js';

afterAll(finish);

describe('decodeArgs', () => {
  it('fills defaults and parses every kind of value', () => {
    const r = decodeArgs(trainSpec, ['--data', 'ds', '--out=run', '--method', 'kmeans', '--patch', '1,32,32', '--lr', '0.001', '--resume']);
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) {
      expect(r.right).toMatchObject({ data: 'ds', out: 'run', method: 'kmeans', patch: [1, 32, 32], lr: 0.001, resume: true, t: 2, augment: true });
    }
  });

  it('reports every problem at once, each with a fix', () => {
    const r = decodeArgs(trainSpec, ['--method', 'colap', '--t', '0', '--patch', '1,32', '--lr', 'fast', '--itertions', '5', 'stray']);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      const flags = r.left.map((i) => i.flag);
      expect(flags).toEqual(expect.arrayContaining(['--method', '--t', '--patch', '--lr', '--itertions', 'stray', '--data', '--out']));
      expect(r.left).toHaveLength(8);
      expect(r.left.find((i) => i.flag === '--method')!.fix).toContain('--method colab');
      expect(r.left.find((i) => i.flag === '--itertions')!.fix).toContain('--iterations');
      for (const i of r.left) expect(i.fix.length).toBeGreaterThan(0);
    }
  });

  it('rejects a flag given twice and a missing value', () => {
    const r = decodeArgs(demoSpec, ['--seed', '1', '--seed', '2', '--out']);
    expect(E.isLeft(r) && r.left.map((i) => i.message)).toEqual(['is given more than once', 'is missing its value']);
  });
});

describe('--no-<flag>, option names, --version', () => {
  const base = ['--data', 'ds', '--out', 'run'];

  it('--no-augment and --augment=false turn a default-true boolean off; --no-resume keeps the default', () => {
    for (const argv of [['--no-augment'], ['--augment=false'], ['--augment', '--no-resume']]) {
      const r = decodeArgs(trainSpec, [...base, ...argv]);
      expect(E.isRight(r) && { augment: r.right.augment, resume: r.right.resume }).toEqual({ augment: argv[0] === '--augment', resume: false });
    }
  });

  it('--no-X is refused for a non-boolean or unknown X, with a value, and together with --X', () => {
    const flagsOf = (argv: string[]) => {
      const r = decodeArgs(trainSpec, [...base, ...argv]);
      return E.isLeft(r) ? r.left.map((i) => `${i.flag} ${i.message}`) : [];
    };
    expect(flagsOf(['--no-lr'])).toEqual(['--no-lr unknown flag']);
    expect(flagsOf(['--no-augment=true'])).toEqual(['--no-augment takes no value']);
    expect(flagsOf(['--augment', '--no-augment'])).toEqual(['--augment is given more than once']);
  });

  it('values come under option names derived from the flag names', () => {
    expect(flagKey('batch-size')).toBe('batchSize');
    expect(flagKey('deep-supervision')).toBe('deepSupervision');
    expect(flagKey('t')).toBe('t');
    const r = decodeArgs(trainSpec, [...base, '--batch-size', '3', '--val-fraction', '0.5', '--deep-supervision']);
    expect(E.isRight(r) && [r.right.batchSize, r.right.valFraction, r.right.deepSupervision, r.right.margin]).toEqual([3, 0.5, true, undefined]);
    // Every flag of every command has exactly one value key, and no two flags share one.
    for (const spec of COMMANDS) expect(new Set(spec.flags.map((f) => flagKey(f.name))).size).toBe(spec.flags.length);
  });

  it('help shows booleans as --[no-]flag', () => {
    expect(helpText(trainSpec)).toMatch(/--\[no-\]augment +Mirroring/);
  });

  it('--version (and a command with --version) prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const argv of [['--version'], ['-V'], ['train', '--version']]) {
      const io = memoryIo();
      expect(await run(argv, io)).toBe(EXIT.ok);
      expect(io.out()).toBe(`${pkg.version}\n`);
    }
    expect(VERSION).toBe(pkg.version);
  });
});

describe('run: exit codes and messages', () => {
  it('prints help for every command with exit code 0', async () => {
    for (const cmd of ['demo', 'train', 'predict', 'evaluate']) {
      const io = memoryIo();
      expect(await run([cmd, '--help'], io)).toBe(EXIT.ok);
      expect(io.out()).toContain(`colab-ts ${cmd}`);
      expect(io.out()).toContain('Exit codes');
    }
    const io = memoryIo();
    expect(await run(['--help'], io)).toBe(EXIT.ok);
    expect(io.out()).toContain('Commands:');
  });

  it('exits with 2 and one line per problem on bad arguments', async () => {
    const io = memoryIo();
    expect(await run(['train', '--method', 'nope', '--t', 'x'], io)).toBe(EXIT.usage);
    const lines = io.err().trim().split('\n');
    expect(lines).toHaveLength(4); // --method, --t, --data, --out
    for (const l of lines) expect(l).toMatch(/^colab-ts train: --[a-z-]+: .*\(fix: .+\)$/);
  });

  it('exits with 2 on a COLAB_WASM_STALL_MS that is not a positive number, with the fix', async () => {
    const before = process.env.COLAB_WASM_STALL_MS;
    try {
      for (const bad of ['abc', '0', '-5']) {
        process.env.COLAB_WASM_STALL_MS = bad;
        const io = memoryIo();
        expect(await run(['evaluate', '--pred', 'p', '--gt', 'g'], io)).toBe(EXIT.usage);
        expect(io.err()).toMatch(/COLAB_WASM_STALL_MS must be a positive number .*\(fix: unset it/);
      }
    } finally {
      if (before === undefined) delete process.env.COLAB_WASM_STALL_MS;
      else process.env.COLAB_WASM_STALL_MS = before;
    }
  });

  it('exits with 2 on an unknown command and suggests the closest', async () => {
    const io = memoryIo();
    expect(await run(['trian'], io)).toBe(EXIT.usage);
    expect(io.err()).toContain('did you mean colab-ts train?');
    expect(await run([], memoryIo())).toBe(EXIT.usage);
  });

  it('exits with 2 when the data folder does not exist', async () => {
    const io = memoryIo();
    expect(await run(['train', '--data', '/nonexistent/colab-ts', '--out', '/tmp/never'], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/no such folder \(fix: /);
    const io2 = memoryIo();
    expect(await run(['evaluate', '--pred', '/nonexistent/a', '--gt', '/nonexistent/b'], io2)).toBe(EXIT.usage);
  });
});

describe('flag ranges (issue #12)', () => {
  const issueOf = (spec: typeof trainSpec, argv: string[], flag: string) => {
    const r = decodeArgs(spec, argv);
    return E.isLeft(r) ? r.left.find((i) => i.flag === flag) : undefined;
  };
  const base = ['--data', 'ds', '--out', 'run'];

  it.each([
    ['--momentum', '1.5', /in \[0, 1\)/],
    ['--momentum', '1', /in \[0, 1\)/],
    ['--val-fraction', '1', /in \[0, 1\)/],
    ['--roi-share', '2', /in \[0, 1\]/],
    ['--lr', '0', /> 0/],
    ['--temperature', '0', /> 0/],
  ])('train %s %s is a usage error naming the range', (flag, value, range) => {
    const i = issueOf(trainSpec, [...base, flag, value], flag);
    expect(i?.message).toMatch(range);
    expect(i?.fix).toMatch(new RegExp(`^pass e.g. ${flag} `));
  });

  it('evaluate --percentile 150 exits 2 before reading anything', async () => {
    const io = memoryIo();
    expect(await run(['evaluate', '--pred', '/nonexistent/p', '--gt', '/nonexistent/g', '--percentile', '150'], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--percentile: expects a number in \[0, 100\], got "150"/);
  });

  it('--help shows each range from the spec', () => {
    const h = helpText(trainSpec);
    // No default in brackets: momentum defaults to the budget's (defaultSgdSchedule).
    expect(h).toMatch(/--momentum NUMBER +Nesterov momentum .*, in \[0, 1\)$/m);
    expect(h).toMatch(/--roi-share NUMBER +.*, in \[0, 1\] \[0\.5\]/);
  });

  it('the bounds themselves: closed ends accepted, open ends refused', () => {
    expect(E.isRight(decodeArgs(trainSpec, [...base, '--roi-share', '1', '--momentum', '0', '--val-fraction', '0']))).toBe(true);
    expect(E.isRight(decodeArgs(evaluateSpec, ['--pred', 'p', '--gt', 'g', '--percentile', '100']))).toBe(true);
    expect(inRange({ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, 0)).toBe(false);
    expect(rangeText({ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true })).toBe('in (0, 1)');
    expect(rangeText({ max: 3 })).toBe('<= 3');
  });
});

describe('flag decoder fuzz (issue #12)', () => {
  const specs = COMMANDS;
  const token = (spec: CommandSpec): fc.Arbitrary<string> => {
    const names = spec.flags.map((f) => f.name);
    const value = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.integer().map(String),
      fc.constantFrom('', ' ', 'NaN', 'Infinity', '-1', '1e309', '0x10', '1,2,3', '1x2x3', '1,,2', 'true', 'no', '__proto__', 'constructor'),
    );
    return fc.oneof(
      fc.constantFrom(...names).map((n) => `--${n}`),
      fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => `--${n}=${v}`),
      value,
      fc.string().map((s) => `--${s}`),
      fc.constantFrom('--', '-', '--=', '--__proto__', '--constructor'),
    );
  };
  const argvOf = fc.constantFrom(...specs).chain((spec) => fc.tuple(fc.constant(spec), fc.array(token(spec), { maxLength: 12 })));

  test.prop([argvOf], { numRuns: 400 })('every argv decodes to typed issues or to values that satisfy the spec', ([spec, argv]) => {
    const r = decodeArgs(spec, argv);
    if (E.isLeft(r)) {
      expect(r.left.length).toBeGreaterThan(0);
      for (const i of r.left) {
        expect(typeof i.flag).toBe('string');
        expect(i.message.length).toBeGreaterThan(0);
        expect(i.fix.length).toBeGreaterThan(0);
        expect(showArgIssue(i)).toContain('(fix: ');
      }
      return;
    }
    for (const f of spec.flags) {
      const v = (r.right as Record<string, unknown>)[flagKey(f.name)];
      if (v === undefined) {
        expect(f.required).not.toBe(true);
        continue;
      }
      if (v === f.default) continue;
      switch (f.kind) {
        case 'int':
          expect(Number.isSafeInteger(v)).toBe(true);
          expect(inRange(f, v as number)).toBe(true);
          break;
        case 'number':
          expect(Number.isFinite(v)).toBe(true);
          expect(inRange(f, v as number)).toBe(true);
          break;
        case 'triple':
          expect(v).toHaveLength(3);
          for (const x of v as number[]) expect(Number.isSafeInteger(x) && inRange(f, x)).toBe(true);
          break;
        case 'enum':
          expect(f.values).toContain(v);
          break;
        case 'bool':
          expect(typeof v).toBe('boolean');
          break;
        case 'string':
          expect(typeof v === 'string' && v.length > 0).toBe(true);
      }
    }
  });
});

describe('the tests helper cmdline', () => {
  it('splits text at white space, keeps each value one argument, spreads arrays, joins --flag=VALUE', () => {
    const dir = '/tmp/a b';
    expect(cmdline`train --data ${dir} --out=${dir}/run --t 2 ${['--lr', '0.1']}`).toEqual([
      'train',
      '--data',
      '/tmp/a b',
      '--out=/tmp/a b/run',
      '--t',
      '2',
      '--lr',
      '0.1',
    ]);
    expect(cmdline`  --x   ${''}`).toEqual(['--x', '']);
  });
});
