/**
 * The TypeScript-only volume operators, shared by every backend and free of
 * gpu.js: distance transforms, component labelling, morphology and the
 * sliding-window importance map.
 * @module
 */
export type { Components, ComponentOptions } from './connectedComponents3d.js';
export { connectedComponents3d, largestComponent } from './connectedComponents3d.js';
export type { DistanceOptions } from './distanceTransform.js';
export { distanceTransform, signedDistance } from './distanceTransform.js';
export { gaussianImportanceMap } from './gaussianImportanceMap.js';
export type { Connectivity } from './morphology.js';
export { binaryErosion, surface } from './morphology.js';
