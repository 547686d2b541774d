/** The engine: float64 tensors, kernels (plans, or fused forward/VJP), reverse-mode autodiff, recording and gradcheck. */
export * from './tensor.js';
export * from './kernel.js';
export * from './random.js';
export * from './gradcheck.js';
export * from './ops/indexing.js';
export * from './ops/unary.js';
export * from './ops/binary.js';
export * from './ops/select.js';
export * from './ops/matmul.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './record.js';
export * from './vector.js';
