package org.nvit.autograd;

import org.nvit.engine.Tensor;

/** The backward rule of one op result: receives d(loss)/d(result) and accumulates into the inputs' gradients. */
@FunctionalInterface
interface Backward {
    void apply(Tensor gy);

    /** Whether the rule must run even when no gradient reached its result (gy == null); see {@link Split}. */
    default boolean runsWithoutGrad() { return false; }
}
