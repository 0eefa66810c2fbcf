package org.nvit.pruning;

/**
 * The five NViT structural dimensions (nvit-paper.md 1.1). Each kind has the group size the official code hard-codes
 * (units are pruned in chunks of this many, so dims stay multiples of it) and the per-kind constant its saliency is
 * divided by before squaring (nvit-paper.md 2.2 step 3; code only, not in the paper's text).
 */
public enum UnitKind {
    /** The embedding width, shared by every block through the residual path. */
    EMB(16, 12),
    /** Whole attention heads of one block. */
    HEAD(2, 12),
    /** Per-head Q/K width of one block (the same index removed from every head). */
    QK(8, 2),
    /** Per-head V width of one block (also the per-head input width of proj). */
    V(8, 2),
    /** MLP hidden neurons of one block. */
    MLP(16, 1);

    public final int defaultGroupSize;
    public final double scoreDivisor;

    UnitKind(int groupSize, double scoreDivisor) {
        this.defaultGroupSize = groupSize;
        this.scoreDivisor = scoreDivisor;
    }

    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
