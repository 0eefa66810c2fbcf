package org.nvit.pruning;

/** Weight magnitude sum w^2 over the unit's criterion slices (the paper reports it fails as a global criterion). */
public final class Magnitude extends Importance {
    @Override protected double batchScore(double c) { return c; }

    @Override protected boolean magnitude() { return true; }
}
