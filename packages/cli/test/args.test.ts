import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { decodeArgs, demoSpec, EXIT, memoryIo, run, trainSpec } from '../src/index.js';

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
