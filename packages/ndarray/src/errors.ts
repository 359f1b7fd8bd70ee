/**
 * Typed errors thrown by numeric code across colab-ts. Every message leads with
 * the operation's name, then what was expected and what was given:
 * `add: cannot broadcast [2,3] with [4]`.
 * @module
 */

/** Base of the op-named errors: the message leads with the op. @category errors */
export abstract class OpError extends Error {
  readonly op: string;
  readonly expected: string | undefined;
  readonly got: string | undefined;
  constructor(op: string, message: string, fields: { expected?: string; got?: string } = {}) {
    super(`${op}: ${message}`);
    this.op = op;
    this.expected = fields.expected;
    this.got = fields.got;
  }
}

/** A violated shape precondition (ranks, sizes, axes, broadcasting). @category errors */
export class ShapeError extends OpError {
  override readonly name = 'ShapeError';
}

/** A dtype that an operation does not accept. @category errors */
export class DTypeError extends OpError {
  override readonly name = 'DTypeError';
}

/** A bad non-shape argument (a NaN where a number is required, a negative count, ...). @category errors */
export class ValueError extends OpError {
  override readonly name = 'ValueError';
}

/** Formats a shape the way error messages print it: `[2,3]`. @category errors */
export const showShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;
