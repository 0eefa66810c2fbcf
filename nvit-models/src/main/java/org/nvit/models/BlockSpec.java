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

    /** Bounded by {@link ConfigBounds}. */
    @JsonCreator
    public BlockSpec {
        ConfigBounds.checkBlock(heads, qkDim, vDim, mlpDim);
    }

    /** The DeiT convention: embed/64 heads of 64, MLP 4x embed. */
    public static BlockSpec deit(int embedDim) { return new BlockSpec(Math.max(1, embedDim / 64), 64, 64, 4 * embedDim); }

    /** Total Q (and K) output width: heads * qkDim. */
    public int qkWidth() { return heads * qkDim; }

    /** Total V output width: heads * vDim. */
    public int vWidth() { return heads * vDim; }
}
