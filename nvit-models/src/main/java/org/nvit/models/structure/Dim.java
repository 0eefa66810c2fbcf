package org.nvit.models.structure;

/**
 * One structural dimension of a ViT that pruning can shrink (NViT's five kinds): the embedding width, shared by every
 * block through the residual path (block -1), or one block's head count, per-head Q/K width, per-head V width or MLP
 * width. Its units are the channels, heads, per-head indices or neurons counted by that dimension.
 */
public record Dim(Kind kind, int block) {
    public enum Kind { EMB, HEAD, QK, V, MLP }

    public static final Dim EMB = new Dim(Kind.EMB, -1);

    public Dim {
        if ((kind == Kind.EMB) != (block < 0))
            throw new IllegalArgumentException("EMB is the only global dimension (block -1); got " + kind + " in block " + block);
    }

    public static Dim head(int block) { return new Dim(Kind.HEAD, block); }

    public static Dim qk(int block) { return new Dim(Kind.QK, block); }

    public static Dim v(int block) { return new Dim(Kind.V, block); }

    public static Dim mlp(int block) { return new Dim(Kind.MLP, block); }

    @Override public String toString() { return kind == Kind.EMB ? "emb" : kind.name().toLowerCase(java.util.Locale.ROOT) + "[" + block + "]"; }
}
