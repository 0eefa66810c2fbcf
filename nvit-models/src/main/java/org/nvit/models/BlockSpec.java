package org.nvit.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The dimensions of one transformer block: head count, per-head QK width, per-head V width, MLP hidden width.
 * QK and V widths may differ (NViT prunes them separately).
 */
public record BlockSpec(
        @JsonProperty("heads") int heads,
        @JsonProperty("qk_dim") int qkDim,
        @JsonProperty("v_dim") int vDim,
        @JsonProperty("mlp_dim") int mlpDim) {

    @JsonCreator
    public BlockSpec {
        if (heads < 1 || qkDim < 1 || vDim < 1 || mlpDim < 1)
            throw new IllegalArgumentException("block dims must be >= 1: heads=" + heads + " qk_dim=" + qkDim
                    + " v_dim=" + vDim + " mlp_dim=" + mlpDim);
    }

    /** The DeiT convention: embed/64 heads of 64, MLP 4x embed. */
    public static BlockSpec deit(int embedDim) { return new BlockSpec(Math.max(1, embedDim / 64), 64, 64, 4 * embedDim); }

    /** Total Q (and K) output width: heads * qkDim. */
    public int qkWidth() { return heads * qkDim; }

    /** Total V output width: heads * vDim. */
    public int vWidth() { return heads * vDim; }
}
