package org.nvit.models.layers;

import org.nvit.engine.Tensor;

/**
 * The embedding channels a model's LayerNorms normalise over: null while every channel is kept (plain LayerNorm),
 * else a 0/1 vector [E] on the model's device. Pruning sets it as it removes embedding channels, so that the masked
 * full-size model computes exactly what the shrunk model will. One instance is shared by all norms of a model.
 */
public final class ChannelMask {
    private Tensor mask;

    public Tensor get() { return mask; }

    public void set(Tensor mask) { this.mask = mask; }
}
