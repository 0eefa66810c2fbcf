package org.nvit.pruning;

import org.nvit.engine.Backend;

/** The unsquared group Taylor term |sum w * dL/dw| (an ablation baseline). */
public final class FirstOrderTaylor extends Importance {
    @Override protected Backend.Score score() { return Backend.Score.ABS; }

    @Override protected double divisorFactor(double divisor) { return 1 / divisor; }
}
