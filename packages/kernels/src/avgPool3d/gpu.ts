/**
 * gpu.js `avgPool3d` and `avgPool3dBackward`, one output element per thread
 * (padding counts as zeros: every window divides by `kD kH kW`). The backward
 * is a gather over the windows that cover each input voxel.
 * @module
 */
import type { Shape } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GridConstants, WindowConstants } from '../gpu/constants.js';
import { gridConstants, windowConstants } from '../gpu/constants.js';
import type { KernelVariable } from 'gpu.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { INPUT_VOXEL, OUTPUT_VOXEL, WINDOW, kernelSource, readerLoops, threadCoords, windowLoops } from '../gpu/sourceParts.js';
import { normalizePool } from '../options.js';
import { avgPool3dBackwardShape, avgPool3dShape } from './index.js';

/** Shape facts of a pooling: input `[N, C, D, H, W]`, output extents, window, stride, padding. @category gpu */
export type PoolConstants = GridConstants & WindowConstants;

/** The constants of a pooling from its input and output shapes. @category gpu */
export function poolConstants(op: string, xs: Shape, ys: Shape, options: PoolOptions): PoolConstants {
  const o = normalizePool(op, options);
  return { ...gridConstants(xs, ys), ...windowConstants(o.kernelSize, o.stride, o.padding) };
}

const avgPool3dSource: KernelSource = kernelSource('function avgPool3dSource(x)', [
  threadCoords(OUTPUT_VOXEL, 'nc'),
  'let s = 0;',
  windowLoops(WINDOW, 's += x[((nc * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix];'),
  'return s / (this.constants.kD * this.constants.kH * this.constants.kW);',
]);

const avgPool3dBackwardSource: KernelSource = kernelSource('function avgPool3dBackwardSource(dy)', [
  threadCoords(INPUT_VOXEL, 'nc'),
  'let s = 0;',
  readerLoops(false, 's += dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox];'),
  'return s / (this.constants.kD * this.constants.kH * this.constants.kW);',
]);

/**
 * Runs a pooling kernel over the pooling of `[xs, ys]` by `options`: one thread per output voxel (`over: 'ys'`), or per
 * input voxel for the gradients' gathers (`over: 'xs'`).
 * @category gpu
 */
export function runPoolKernel(
  dev: GpuDevice,
  op: string,
  source: KernelSource,
  [xs, ys]: readonly [Shape, Shape],
  options: PoolOptions,
  over: 'xs' | 'ys',
  args: readonly KernelVariable[],
): Promise<GpuBuffer> {
  return runKernel(dev, op, source, { ...poolConstants(op, xs, ys, options) }, over === 'xs' ? xs : ys, args);
}

/** gpu.js `avgPool3d` (float32 buffers). @category gpu */
export const avgPool3dGpu = async (dev: GpuDevice, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'avgPool3d', avgPool3dSource, [x.shape, avgPool3dShape(x.shape, options)], options, 'ys', [kernelArg(x)]);

/** gpu.js `avgPool3dBackward` (float32 buffers). @category gpu */
export const avgPool3dBackwardGpu = async (dev: GpuDevice, dy: GpuBuffer, inputShape: Shape, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'avgPool3dBackward', avgPool3dBackwardSource, [avgPool3dBackwardShape(dy.shape, inputShape, options), dy.shape], options, 'xs', [
    kernelArg(dy),
  ]);
