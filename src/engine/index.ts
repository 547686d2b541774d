/** The engine: float64 tensors, kernels with VJPs, reverse-mode autodiff and gradcheck. */
export * from './tensor.js';
export * from './kernel.js';
export * from './random.js';
export * from './gradcheck.js';
export * from './ops/unary.js';
export * from './ops/binary.js';
export * from './ops/matmul.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './vector.js';
