/**
 * Small named U-Nets (`@colab-ts/nn/testing`) shared by the tests, examples,
 * benchmarks and the web demo, so that "the tiny U-Net" is one config, not a
 * copy in every file. Override any field: `tinyUNetConfig({ outChannels: 3 })`.
 * @module @colab-ts/nn/testing
 */
import type { UNetConfig, UNetStage } from './unet.js';

/** Options of `unetStages`. @category testing */
export interface UNetStagesOptions {
  /** 2D-like stages: `[1, 3, 3]` kernels and `[1, 2, 2]` strides (default: `[3, 3, 3]` and `[2, 2, 2]`). */
  readonly planar?: boolean;
}

/**
 * `count` stages with 3x3(x3) kernels: the first at stride 1, every later one halving the resolution.
 * @category testing
 * @example unetStages(2, { planar: true }) // [{ kernel: [1, 3, 3], stride: [1, 1, 1] }, { kernel: [1, 3, 3], stride: [1, 2, 2] }]
 */
export const unetStages = (count: number, { planar = false }: UNetStagesOptions = {}): UNetStage[] => {
  const [kd, sd] = planar ? [1, 1] : [3, 2];
  return Array.from({ length: count }, (_, s): UNetStage => ({ kernel: [kd, 3, 3], stride: s === 0 ? [1, 1, 1] : [sd, 2, 2] }));
};

/**
 * The tiny U-Net: one input channel, two outputs (background and ROI), two 3D stages (`unetStages(2)`), 4 to 8 features.
 * @category testing
 * @example const params = unetInit(key(0), tinyUNetConfig({ outChannels: 3, dtype: 'float64' }))
 */
export const tinyUNetConfig = (overrides: Partial<UNetConfig> = {}): UNetConfig => ({
  inChannels: 1,
  outChannels: 2,
  stages: unetStages(2),
  baseFeatures: 4,
  maxFeatures: 8,
  ...overrides,
});
