package org.nvit.engine.fused;

import org.nvit.engine.Tensor;

/**
 * Multi-head scaled dot-product attention in one pass per direction, without materialising the [B, H, N, N]
 * probabilities (FlashAttention's online softmax): for image b and head h,
 * {@code O[b, :, h*dv..] = softmax(scale Q_h K_h^T) V_h}. Q_h is the columns {@code q.col + h*dq ..} of q's
 * [B, N, q.ld] tensor (likewise K_h, V_h), so a fused qkv projection is read in place. The forward saves each row's
 * log-sum-exp, from which the backward recomputes the probabilities. No composite: without this capability autograd
 * runs its GEMM path; {@link org.nvit.engine.ref.ReferenceAttention} is the host implementation the kernels are
 * tested against.
 */
public interface FusedAttention {
    /** Columns [col, col + heads * d) of a [B, N, ld] tensor. */
    record Operand(Tensor t, int col, int ld) {}

    /** A gradient destination laid out like an {@link Operand}: written (beta 0) or added to (beta 1). */
    record Grad(Tensor t, int col, int ld, float beta) {}

    /** Whether heads of these per-head widths run fused here. */
    boolean supports(int qkDim, int vDim);

    /** out [B, N, heads*dv] (overwritten), lse [B, heads, N] (the natural log-sum-exp of each row of scale Q K^T). */
    void forward(Operand q, Operand k, Operand v, int batch, int tokens, int heads, int dq, int dv, float scale,
                 Tensor out, Tensor lse);

    /**
     * From the forward's out and lse and the output gradient gOut: dV_h = P_h^T dO_h, dS = P * (dO V^T - rowsum(dO * O)),
     * dQ_h = scale dS K_h, dK_h = scale dS^T Q_h, each into its destination (null: not wanted). Destinations must not
     * overlap one another (a fused qkv gradient's three column blocks do not).
     */
    void backward(Operand q, Operand k, Operand v, int batch, int tokens, int heads, int dq, int dv, float scale,
                  Tensor out, Tensor gOut, Tensor lse, Grad gq, Grad gk, Grad gv);
}
