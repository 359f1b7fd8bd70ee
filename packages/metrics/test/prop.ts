/**
 * `test.prop` in the shape of `@fast-check/vitest`'s, over plain `fast-check`
 * and vitest's `it` (as in the kernels' tests: importing `@fast-check/vitest`
 * makes vitest inline all of fast-check, about 3 s per test file on the 2-core
 * CI machines). A failing property reports its seed and counterexample
 * through `fc.assert`. `METRICS_RUNS=k` multiplies every property's runs
 * by k for a stress run (`METRICS_RUNS=30 npx vitest run packages/metrics`).
 * @module
 */
import fc from 'fast-check';
import { it } from 'vitest';

export { fc };

const SCALE = Math.max(1, Number(process.env['METRICS_RUNS'] ?? 1));

type Values<Ts extends readonly fc.Arbitrary<unknown>[]> = { [K in keyof Ts]: Ts[K] extends fc.Arbitrary<infer U> ? U : never };

const tuple = (arbs: readonly fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown[]> => fc.tuple(...(arbs as fc.Arbitrary<unknown>[]));

/** The fast-check run parameters the tests use (a failing run's `seed` and `path` replay it). */
export interface PropParams {
  readonly numRuns?: number;
  readonly seed?: number;
  readonly path?: string;
}

/** `test.prop([arbs], params)(name, body)`: one vitest test checking `body` on `params.numRuns` generated cases. */
export const test = {
  prop:
    <Ts extends [fc.Arbitrary<unknown>, ...fc.Arbitrary<unknown>[]]>(arbs: Ts, params: PropParams = {}) =>
    (name: string, body: (...args: Values<Ts>) => void): void => {
      it(name, () => {
        fc.assert(
          fc.property(tuple(arbs) as fc.Arbitrary<Values<Ts>>, (args) => {
            body(...args);
          }),
          { ...params, numRuns: Math.round((params.numRuns ?? 50) * SCALE) },
        );
      });
    },
};
