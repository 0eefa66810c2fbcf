package org.nvit.data;

import org.nvit.engine.Tensor;

/**
 * One batch: normalised images [B, C, H, W] (F32, CPU), the original labels, the soft targets [B, classes]
 * (smoothed one-hot, or mixed by Mixup/CutMix; plain one-hot for eval), and the data set indices of the rows.
 * {@code epoch} and {@code index} (the batch number within the epoch) let training checkpoint mid-epoch.
 */
public record Batch(Tensor images, int[] labels, Tensor targets, int[] indices, int epoch, int index) {
    public int size() { return labels.length; }
}
