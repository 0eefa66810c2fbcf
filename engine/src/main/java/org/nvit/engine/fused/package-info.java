/**
 * Fused and multi-tensor ops as optional capabilities of a backend. Each interface is one small family; a backend
 * that runs it natively returns it from {@link org.nvit.engine.Backend#capability}; {@code X.of(backend)} gives that
 * or else {@code X.composite(backend)}, the same computation written with the backend's primitives, so that every
 * backend computes the same results and the CPU backends need no code of their own. Composites may read small
 * device values on the host (a fused backend never does). {@link org.nvit.engine.fused.FusedAttention} has no
 * composite: without it, autograd keeps its GEMM path.
 */
package org.nvit.engine.fused;
