/**
 * Data-first predicates for `dual` functions whose options are optional.
 * A call is data-first when its first argument is an NDArray, when it has as
 * many arguments as the data-first form takes, or when a lone first argument
 * cannot be the options. So `sum(notAnArray, { axes: 1 })` or `sum(null)`
 * reaches the argument check and throws, instead of silently returning a
 * data-last function.
 * @module
 */
import { isNDArray } from '../NDArray.js';

/** `arity`: argument count of the full data-first call; `isOptions`: can a lone argument be the options? */
export const dataFirst =
  (arity: number, isOptions: (a: unknown) => boolean) =>
  (args: readonly unknown[]): boolean =>
    isNDArray(args[0]) || args.length >= arity || (args[0] !== undefined && !isOptions(args[0]));

/** A plain options record (not an array, not something array-like with a shape or data). */
export const isOptionsRecord = (a: unknown): boolean => typeof a === 'object' && a !== null && !Array.isArray(a) && !('shape' in a) && !('data' in a);

/** An axis or a list of axes. */
export const isAxes = (a: unknown): boolean => typeof a === 'number' || Array.isArray(a);
