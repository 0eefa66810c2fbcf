package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * LayerNorm's backward adding its input gradient into an existing one (a pre-norm block's residual stream already
 * holds the gradient that skipped the norm), instead of writing a fresh buffer that a second pass then adds.
 */
public interface FusedNorm {
    /**
     * {@link Backend#layerNormBackward} (mask null) or {@link Backend#maskedLayerNormBackward}, with gx += the input
     * gradient instead of gx = it. gx must not alias gy.
     */
    void layerNormBackwardAdd(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd, Tensor gx,
                              Tensor gGamma, Tensor gBeta);

    static FusedNorm of(Backend be) { return be.capability(FusedNorm.class).orElseGet(() -> composite(be)); }

    static FusedNorm composite(Backend be) {
        return (x, gy, gamma, mask, mean, rstd, gx, gGamma, gBeta) -> {
            Tensor g = be.empty(x.dtype(), x.shape());
            if (mask == null) be.layerNormBackward(x, gy, gamma, mean, rstd, g, gGamma, gBeta);
            else be.maskedLayerNormBackward(x, gy, gamma, mask, mean, rstd, g, gGamma, gBeta);
            be.axpy(1f, g, gx);
        };
    }
}
