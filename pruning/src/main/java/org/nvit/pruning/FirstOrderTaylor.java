package org.nvit.pruning;

/** The unsquared group Taylor term |sum w * dL/dw| (an ablation baseline). */
public final class FirstOrderTaylor extends Importance {
    @Override protected double batchScore(double c) { return Math.abs(c); }
}
