/**
 * gpu.js `maxPool3d` and `maxPool3dBackward`, one output element per thread.
 * The backward is a gather: each input voxel sums the `dy` of the windows
 * whose first maximum it is. (NaN inputs: gpu.js comparisons do not let a NaN
 * win a window as the reference does; outputs then differ.)
 * @module
 */
import type { PoolOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg } from '../gpu/run.js';
import type { WindowNames } from '../gpu/sourceParts.js';
import { INPUT_VOXEL, OUTPUT_VOXEL, WINDOW, kernelSource, readerLoops, threadCoords, windowLoops } from '../gpu/sourceParts.js';
import { runPoolKernel } from '../avgPool3d/gpu.js';
import { maxPool3dBackwardShape, maxPool3dShape } from './index.js';

const maxPool3dSource: KernelSource = kernelSource('function maxPool3dSource(x)', [
  threadCoords(OUTPUT_VOXEL, 'nc'),
  'let best = 0;',
  'let found = 0;',
  windowLoops(WINDOW, [
    'const v = x[((nc * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix];',
    'if (found === 0 || v > best) {',
    '  best = v;',
    '  found = 1;',
    '}',
  ]),
  'return best;',
]);

/** The window of output `(oz, oy, ox)` once more, as `(a2, b2, e2)` reading `(jz, jy, jx)` inside the backward's loops. */
const WINDOW_AGAIN: WindowNames = { ...WINDOW, tap: ['a2', 'b2', 'e2'], into: ['jz', 'jy', 'jx'] };

const maxPool3dBackwardSource: KernelSource = kernelSource('function maxPool3dBackwardSource(dy, x)', [
  threadCoords(INPUT_VOXEL, 'nc'),
  'let s = 0;',
  readerLoops(false, [
    'let best = 0;',
    'let at = -1;',
    windowLoops(WINDOW_AGAIN, [
      'const v = x[((nc * this.constants.D + jz) * this.constants.H + jy) * this.constants.W + jx];',
      'if (at < 0 || v > best) {',
      '  best = v;',
      '  at = (jz * this.constants.H + jy) * this.constants.W + jx;',
      '}',
    ]),
    'if (at === (iz * this.constants.H + iy) * this.constants.W + ix) {',
    '  s += dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox];',
    '}',
  ]),
  'return s;',
]);

/** gpu.js `maxPool3d` (float32 buffers). @category gpu */
export const maxPool3dGpu = async (dev: GpuDevice, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'maxPool3d', maxPool3dSource, [x.shape, maxPool3dShape(x.shape, options)], options, 'ys', [kernelArg(x)]);

/** gpu.js `maxPool3dBackward` (float32 buffers); the gather re-finds each window's first maximum in `x`. @category gpu */
export const maxPool3dBackwardGpu = async (dev: GpuDevice, dy: GpuBuffer, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'maxPool3dBackward', maxPool3dBackwardSource, [maxPool3dBackwardShape(dy.shape, x.shape, options), dy.shape], options, 'xs', [
    kernelArg(dy),
    kernelArg(x),
  ]);
