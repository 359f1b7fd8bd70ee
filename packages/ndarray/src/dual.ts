/**
 * `dual`: one implementation, two call styles. `sum(x, { axes: [1] })` is
 * data-first; `sum({ axes: [1] })` returns `x => sum(x, { axes: [1] })` for
 * `pipe` (fp-ts `function.ts`, Effect `Function.ts`), with no dependency.
 * @module
 */

/**
 * Makes a function callable data-first or data-last. `isDataFirst` is an arity
 * (data-first when at least that many arguments are passed) or a predicate on
 * the arguments (use a predicate when the options argument is optional).
 * @category combinators
 */
// `any` in the body's type lets the caller's annotation (both overloads) be the public type.
// biome-ignore lint/suspicious/noExplicitAny: `body` is any function; its type is restored by the caller's `F`
export function dual<F>(isDataFirst: number | ((args: readonly unknown[]) => boolean), body: (...args: any[]) => unknown): F {
  const test = typeof isDataFirst === 'number' ? (args: readonly unknown[]) => args.length >= isDataFirst : isDataFirst;
  const call = body as unknown as (...args: unknown[]) => unknown;
  const f = (...args: unknown[]): unknown => (test(args) ? call(...args) : (self: unknown) => call(self, ...args));
  return f as F;
}
