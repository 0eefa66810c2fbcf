package org.nvit.pruning;

/** NViT's criterion (paper Eq. 6): the squared group first-order Taylor term, (sum w * dL/dw)^2. */
public final class TaylorImportance extends Importance {
    @Override protected double batchScore(double c) { return c * c; }
}
