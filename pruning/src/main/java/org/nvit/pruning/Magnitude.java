package org.nvit.pruning;

import org.nvit.engine.Backend;

/** Weight magnitude sum w^2 over the unit's criterion slices (the paper reports it fails as a global criterion). */
public final class Magnitude extends Importance {
    @Override protected Backend.Score score() { return Backend.Score.IDENTITY; }

    @Override protected boolean magnitude() { return true; }

    @Override protected double divisorFactor(double divisor) { return 1 / (divisor * divisor); }
}
