/**
 * stable-bptt as a library: the engine, controllers, problems, the unroll with its
 * gradient-flow modes, optimizers and the training loop. Everything exported here is pure
 * computation (no Node built-ins) and runs in the browser as well.
 */
export * from './engine/index.js';
export * from './nn/controller.js';
export { Mlp, type MlpOptions } from './nn/mlp.js';
export { applyController } from './nn/kernel.js';
export * from './nn/serialize.js';
export * from './physics/index.js';
export * from './bptt/modes.js';
export { combineSignAgreement } from './bptt/combine.js';
export { Unroll, type UnrollSetup, type ForwardResult } from './bptt/unroll.js';
export { UpdateRule, type UpdateResult } from './bptt/update.js';
export * from './bptt/diagnose.js';
export * from './optim/index.js';
export * from './train/config.js';
export * from './train/record.js';
export * from './train/trainer.js';
export * from './train/controller-file.js';
export * from './train/toy.js';
export * from './train/warm-start.js';
