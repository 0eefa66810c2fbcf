package org.nvit.pruning;

import org.nvit.models.structure.Dim;

/**
 * One "pruning layer" of NViT (nvit-paper.md 1.3): the global EMB dimension (block = -1), or one of the HEAD, QK, V,
 * MLP dimensions of a block. Units of one layer compete for removal inside it; groups of all layers are ranked together.
 * It is the pruning side's name for a model {@link Dim}.
 */
public record PruningLayer(UnitKind kind, int block) {
    public PruningLayer {
        if ((kind == UnitKind.EMB) != (block < 0))
            throw new IllegalArgumentException("EMB is the only global layer (block -1); got " + kind + " in block " + block);
    }

    public static final PruningLayer EMB = new PruningLayer(UnitKind.EMB, -1);

    /** The model dimension this layer prunes. */
    public Dim dim() { return new Dim(Dim.Kind.valueOf(kind.name()), block); }

    public static PruningLayer of(Dim d) { return new PruningLayer(UnitKind.valueOf(d.kind().name()), d.block()); }

    @Override public String toString() { return kind == UnitKind.EMB ? "emb" : kind.label() + "[" + block + "]"; }
}
