/**
 * gpu.js `convTranspose3d`: the backward-input gather of `conv3d/gpu.ts` with
 * the transposed convolution's input as the convolution's output gradient,
 * weights `[Cin, Cout, ...]` read as `[Co, Ci, ...]`, and a bias.
 * @module
 */
import type { ConvTransposeOptions } from '../Backend.js';
import { backwardInputGatherGpu, convConstants } from '../conv3d/gpu.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice } from '../gpu/device.js';
import { convTranspose3dShape } from './index.js';

/** gpu.js `convTranspose3d` (float32 buffers). @category gpu */
export async function convTranspose3dGpu(
  dev: GpuDevice,
  x: GpuBuffer,
  w: GpuBuffer,
  bias: GpuBuffer | null,
  options: ConvTransposeOptions,
): Promise<GpuBuffer> {
  const ys = convTranspose3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options);
  // conv roles: "input" = our output ys, "output" = our input x, weight [Co = Cin, Ci = Cout, ...].
  const c = convConstants('convTranspose3d', ys, w.shape, x.shape, options, bias !== null);
  return backwardInputGatherGpu(dev, 'convTranspose3d', c, ys, x, w, bias);
}
