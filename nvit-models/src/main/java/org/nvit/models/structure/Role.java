package org.nvit.models.structure;

/**
 * What a parameter slice does for the units of a {@link Dim}. Every role's slice belongs to its unit (it is zeroed
 * when the unit is pruned and cut out when the model is shrunk); pruning criteria choose by role which slices score
 * the unit.
 */
public enum Role {
    /** Computes the unit: the rows of the layer that outputs it (and their bias), the patch embedding's filters. */
    OUTPUT,
    /** The key side of an attention unit: K rows, which pair with the Q rows (OUTPUT) in the attention scores. */
    KEY,
    /** Reads the unit: the input columns of a layer that consumes it. */
    INPUT,
    /** The classifier head's input columns (reads the embedding after the final norm). */
    CLASSIFIER,
    /** A LayerNorm's weight or bias entry of an embedding channel. */
    NORM,
    /** A learned token's or a position embedding's entry of an embedding channel. */
    TOKEN
}
