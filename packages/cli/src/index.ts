/**
 * @colab-ts/cli: the `colab-ts` command (demo, train, predict, evaluate) as
 * functions that tests and scripts call in-process, plus its PNG encoder,
 * rasterised figures, checkpoints and argument decoding.
 * @module @colab-ts/cli
 */
export type { ArgIssue, ArgValues, ArgsOf, CommandSpec, FlagKind, FlagSpec, FlagValue, OptionName } from './args.js';
export { closest, decodeArgs, flagKey, helpText, inRange, rangeText, showArgIssue, without } from './args.js';
export type { Io, Progress } from './io.js';
export { CliError, EXIT, memoryIo, processIo, progress } from './io.js';
export type { Raster, Rgb } from './png.js';
export { PNG_SIGNATURE, crc32, encodePng, fillRect, line, plot, raster, rasterToPng, strokeRect, text } from './png.js';
export {
  CheckpointError,
  TREE_KEY,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeLegacyCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  writeAtomicSync,
} from './checkpoint.js';
export type { Safetensors, UNetTree } from './safetensors.js';
export {
  SAFETENSORS_DTYPE,
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  isAliasKey,
  isUNetTree,
  looksLikeSafetensors,
  unetFromStateDict,
  unetStateDict,
} from './safetensors.js';
export { assertFinite, nonFiniteCount } from './finite.js';
export { parseLog, readCheckpoint, readRunConfig } from './runFiles.js';
export { configDifferences } from './configDiff.js';
export type { ColabRunSettings, Hyperparameters, Method, Normalization, RunConfig } from './model.js';
export { COLAB_RUN_SETTINGS, METHODS, colabStepSettings, contextMapOf, labelsOf, normalizeImage, predictLogits, segOutputs, unetConfigFor } from './model.js';
export type { PredictRule } from './model.js';
export type { Checkpoint, LogEntry, TrainOptions, TrainResult } from './train.js';
export {
  DEFAULT_ITERATIONS,
  contextAgreement,
  defaultGeneratorSchedule,
  defaultMargin,
  defaultSgdSchedule,
  defaultValEvery,
  figureSlab,
  firstChannel,
  loadRun,
  resolveConfig,
  train,
  validate,
  validationOverlap,
} from './train.js';
export type { GeneratorCollapse, GeneratorShares } from './generatorCollapse.js';
export { CHECKERBOARD_FLIPS, COLLAPSE_SHARE, checkerboardText, collapseText, generatorCollapse, recentFlips, recentShares } from './generatorCollapse.js';
export type { EvaluateOptions, Evaluation, PredictOptions } from './predictCmd.js';
export { SUMMARY_COLUMNS, caseIdOf, evaluate, evaluateVolumes, listCases, predict, showSummary } from './predictCmd.js';
export { logitFigure, overlayFigure, progressFigure } from './figures.js';
export type { LogitPanel, OverlayCase, ProgressEntry, ScatterPoint } from './svg.js';
export {
  CONTEXT_COLOURS,
  ROI_COLOUR,
  bestSlice,
  extent,
  hex,
  logitSvg,
  lossWindow,
  niceTicks,
  overlaySvg,
  progressSvg,
  scatterSvg,
  sliceWindow,
} from './svg.js';
export type { DemoMethodResult, DemoOptions, DemoResult } from './demo.js';
export { demo, resultsTable } from './demo.js';
export {
  COMMANDS,
  EXIT_INTERRUPTED,
  VERSION,
  demoSpec,
  evaluateSpec,
  experimentSpec,
  exportDatasetSpec,
  exportSpec,
  importSpec,
  mainHelp,
  phantomsSpec,
  predictSpec,
  run,
  trainSpec,
  unexpectedErrors,
} from './main.js';
export type { Arm, ExperimentOptions, RunResult } from './experiment.js';
export { armName, colabPairedTable, experiment, experimentTable, pairedTable, parseArms, trainedArm } from './experiment.js';
export { osError, prepareOutDir } from './osErrors.js';
export { LOCK_FILE, acquireRunLock, withRunLock } from './runLock.js';
export type { ArchKwargs, ArchitectureFile, ExportOptions, ImportOptions } from './interop.js';
export { archKwargsOf, exportRun, importRun } from './interop.js';
export type { NnunetCase, NnunetSummary } from './nnunetSummary.js';
export { finiteJson, nnunetMetrics, nnunetSummary } from './nnunetSummary.js';
export type { ExportDatasetOptions } from './exportDataset.js';
export { colabSettings, exportDataset } from './exportDataset.js';
