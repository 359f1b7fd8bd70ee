/**
 * `test.prop` in the shape of `@fast-check/vitest`'s, over plain `fast-check`
 * and vitest's `it`. Why not the package itself: vitest inlines
 * `@fast-check/vitest` (it imports vitest) and with it all of fast-check,
 * which costs about 3.4 s per test file on our 2-core machines, most of this
 * suite's time budget. Switching back is a change of this import only.
 * A failing property reports its seed and counterexample through `fc.assert`.
 * @module
 */
import fc from 'fast-check';
import { it } from 'vitest';

export { fc };

type Values<Ts extends readonly fc.Arbitrary<unknown>[]> = { [K in keyof Ts]: Ts[K] extends fc.Arbitrary<infer U> ? U : never };

/** `fc.tuple` over a list (its variadic signature does not take a generic tuple spread). */
const tuple = (arbs: readonly fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown[]> => fc.tuple(...(arbs as fc.Arbitrary<unknown>[]));

/** The fast-check run parameters the tests use (a failing run's `seed` and `path` replay it). */
export interface PropParams {
  readonly numRuns?: number;
  readonly seed?: number;
  readonly path?: string;
  readonly verbose?: boolean;
}

/**
 * `test.prop([arbs], params)(name, body)`: one vitest test that checks `body` on `params.numRuns` generated cases;
 * `test.asyncProp` is the same for an asynchronous `body` (kernels of the asynchronous backends).
 */
export const test = {
  prop:
    <Ts extends [fc.Arbitrary<unknown>, ...fc.Arbitrary<unknown>[]]>(arbs: Ts, params: PropParams = {}) =>
    (name: string, body: (...args: Values<Ts>) => void): void => {
      it(name, () => {
        fc.assert(
          fc.property(tuple(arbs) as fc.Arbitrary<Values<Ts>>, (args) => {
            body(...args);
          }),
          { ...params },
        );
      });
    },
  asyncProp:
    <Ts extends [fc.Arbitrary<unknown>, ...fc.Arbitrary<unknown>[]]>(arbs: Ts, params: PropParams = {}) =>
    (name: string, body: (...args: Values<Ts>) => Promise<void>): void => {
      it(name, async () => {
        await fc.assert(
          fc.asyncProperty(tuple(arbs) as fc.Arbitrary<Values<Ts>>, async (args) => {
            await body(...args);
          }),
          { ...params },
        );
      });
    },
};
