package org.nvit.pruning;

import org.nvit.engine.Backend;

/** NViT's criterion (paper Eq. 6): the squared group first-order Taylor term, (sum w * dL/dw)^2. */
public final class TaylorImportance extends Importance {
    @Override protected Backend.Score score() { return Backend.Score.SQUARE; }

    @Override protected double divisorFactor(double divisor) { return 1 / (divisor * divisor); }
}
