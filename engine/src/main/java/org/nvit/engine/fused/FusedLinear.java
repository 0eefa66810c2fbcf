package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * What follows a linear layer's GEMM, in one pass: its bias with the MLP's GELU, or its bias with a residual add
 * (and the residual branch's drop-path), and the matching backward of bias + GELU.
 */
public interface FusedLinear {
    /** Over the rows of x [rows, n]: pre = x + bias (pre may be x itself), y = GELU(pre). y must not alias pre. */
    void biasGelu(Tensor x, Tensor bias, Tensor pre, Tensor y);

    /** gx = gy * GELU'(pre); gBias (null: skipped) += the column sums of gx. gx may alias gy. */
    void biasGeluBackward(Tensor pre, Tensor gy, Tensor gx, Tensor gBias);

    /**
     * out = res + s_b * (y + bias) over samples b of [B, ...] tensors (y's rows of bias.numel() columns; y may be
     * overwritten), with s_b the drop-path factor: for p > 0 the {@link Backend#dropoutMask} of B entries drawn with
     * seed, also written to mask [B]; for p == 0 s_b = 1 and mask is not used. out may alias res.
     */
    void biasResidual(Tensor res, Tensor y, Tensor bias, float p, long seed, Tensor mask, Tensor out);

    static FusedLinear of(Backend be) { return be.capability(FusedLinear.class).orElseGet(() -> composite(be)); }

    static FusedLinear composite(Backend be) {
        return new FusedLinear() {
            @Override public void biasGelu(Tensor x, Tensor bias, Tensor pre, Tensor y) {
                if (pre != x) be.copy(x, pre);
                be.addBias(pre, bias);
                be.gelu(pre, y);
            }

            @Override public void biasGeluBackward(Tensor pre, Tensor gy, Tensor gx, Tensor gBias) {
                be.geluBackward(pre, gy, gx);
                if (gBias != null) be.sumRows(gx.reshape(-1, (int) gBias.numel()), gBias, true);
            }

            @Override public void biasResidual(Tensor res, Tensor y, Tensor bias, float p, long seed, Tensor mask, Tensor out) {
                be.addBias(y.reshape(-1, (int) bias.numel()), bias);
                if (p > 0) {
                    be.dropoutMask(p, seed, mask);
                    be.scaleSamples(y.reshape(res.dim(0), -1), mask, y.reshape(res.dim(0), -1));
                }
                be.add(res, y, out);
            }
        };
    }
}
