export {
  OPTIMIZER_NAMES,
  createOptimizer,
  HYPERPARAMETERS,
  nonDefaultParams,
  optimizerParams,
  parseOptimizer,
  type Optimizer,
  type OptimizerName,
  type OptimizerParamKey,
  type OptimizerParams,
  type OptimizerState,
} from './optimizers.js';
export { CLIP_MODES, clipUpdate, parseClipMode, type ClipMode } from './clip.js';

