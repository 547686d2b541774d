export {
  OPTIMIZER_NAMES,
  createOptimizer,
  parseOptimizer,
  type Optimizer,
  type OptimizerName,
  type OptimizerState,
} from './optimizers.js';
export { CLIP_MODES, clipUpdate, parseClipMode, type ClipMode } from './clip.js';

