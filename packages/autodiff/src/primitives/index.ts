/**
 * Every primitive, in one typed record. The names (`PrimName`) and parameter
 * types (`ParamsMap`) are derived from it; the annotation on `primitives`
 * rejects an entry whose key differs from its definition's name, and
 * `definePrimitive` rejects a definition lacking a rule.
 * @module
 */
import type { PrimitiveDef } from '../Primitive.js';
import { addPrimitive } from './add.js';
import { avgPool3dPrimitive } from './avgPool3d.js';
import { avgPool3dBackwardPrimitive } from './avgPool3dBackward.js';
import { broadcastToPrimitive } from './broadcastTo.js';
import { castPrimitive } from './cast.js';
import { comparePrimitive } from './compare.js';
import { concatPrimitive } from './concat.js';
import { constantPrimitive } from './constant.js';
import { conv3dPrimitive } from './conv3d.js';
import { conv3dBackwardWeightsPrimitive } from './conv3dBackwardWeights.js';
import { convTranspose3dPrimitive } from './convTranspose3d.js';
import { divPrimitive } from './div.js';
import { expPrimitive } from './exp.js';
import { flipPrimitive } from './flip.js';
import { identityPrimitive } from './identity.js';
import { instanceNormAffineBackwardPrimitive, instanceNormBackwardPrimitive, instanceNormLeakyReluPrimitive, instanceNormPrimitive } from './instanceNorm.js';
import { leakyReluBackwardPrimitive, leakyReluPrimitive } from './leakyRelu.js';
import { logPrimitive } from './log.js';
import { matmulPrimitive } from './matmul.js';
import { maxPrimitive } from './max.js';
import { maxPool3dPrimitive } from './maxPool3d.js';
import { maxPool3dBackwardPrimitive } from './maxPool3dBackward.js';
import { maximumPrimitive } from './maximum.js';
import { mulPrimitive } from './mul.js';
import { negPrimitive } from './neg.js';
import { padPrimitive } from './pad.js';
import { powPrimitive } from './pow.js';
import { reshapePrimitive } from './reshape.js';
import { slicePrimitive } from './slice.js';
import { sqrtPrimitive } from './sqrt.js';
import { stopGradientPrimitive } from './stopGradient.js';
import { subPrimitive } from './sub.js';
import { sumPrimitive } from './sum.js';
import { transposePrimitive } from './transpose.js';
import { upsample3dPrimitive } from './upsample3d.js';
import { upsample3dBackwardPrimitive } from './upsample3dBackward.js';
import { wherePrimitive } from './where.js';

const all = {
  constant: constantPrimitive,
  identity: identityPrimitive,
  stopGradient: stopGradientPrimitive,
  add: addPrimitive,
  sub: subPrimitive,
  mul: mulPrimitive,
  div: divPrimitive,
  neg: negPrimitive,
  exp: expPrimitive,
  log: logPrimitive,
  sqrt: sqrtPrimitive,
  pow: powPrimitive,
  maximum: maximumPrimitive,
  where: wherePrimitive,
  leakyRelu: leakyReluPrimitive,
  leakyReluBackward: leakyReluBackwardPrimitive,
  compare: comparePrimitive,
  cast: castPrimitive,
  sum: sumPrimitive,
  max: maxPrimitive,
  broadcastTo: broadcastToPrimitive,
  reshape: reshapePrimitive,
  transpose: transposePrimitive,
  slice: slicePrimitive,
  pad: padPrimitive,
  concat: concatPrimitive,
  flip: flipPrimitive,
  matmul: matmulPrimitive,
  conv3d: conv3dPrimitive,
  convTranspose3d: convTranspose3dPrimitive,
  conv3dBackwardWeights: conv3dBackwardWeightsPrimitive,
  maxPool3d: maxPool3dPrimitive,
  maxPool3dBackward: maxPool3dBackwardPrimitive,
  avgPool3d: avgPool3dPrimitive,
  avgPool3dBackward: avgPool3dBackwardPrimitive,
  upsample3d: upsample3dPrimitive,
  upsample3dBackward: upsample3dBackwardPrimitive,
  instanceNorm: instanceNormPrimitive,
  instanceNormLeakyRelu: instanceNormLeakyReluPrimitive,
  instanceNormBackward: instanceNormBackwardPrimitive,
  instanceNormAffineBackward: instanceNormAffineBackwardPrimitive,
};

/** The name of a primitive. @category primitives */
export type PrimName = keyof typeof all;

/** Parameters of each primitive, by name. @category primitives */
export type ParamsMap = { readonly [P in PrimName]: (typeof all)[P] extends PrimitiveDef<P, infer Q> ? Q : never };

/** All primitives by name, each with its shape rule, kernel and both rules. @category primitives */
export const primitives: { readonly [P in PrimName]: PrimitiveDef<P, ParamsMap[P]> } = Object.freeze(all) satisfies {
  readonly [P in PrimName]: PrimitiveDef<P, ParamsMap[P]>;
};

/** The definition of the primitive a node applies. @internal */
export const primitiveOf = (op: string): PrimitiveDef => {
  const def = (primitives as Readonly<Record<string, PrimitiveDef>>)[op];
  if (def === undefined) throw new Error(`autodiff: unknown primitive ${op}`);
  return def;
};
