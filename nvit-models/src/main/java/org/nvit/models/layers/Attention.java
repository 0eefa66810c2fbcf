package org.nvit.models.layers;

import java.util.List;
import java.util.Map;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/**
 * Multi-head self-attention with its own head count and separate per-head Q/K and V widths (NViT's dense blocks).
 * When qk == v the three projections are one fused timm-style {@code qkv} linear (rows q | k | v, each head-major);
 * otherwise they are {@code q}, {@code k}, {@code v}. The heads' outputs, concatenated head-major, go through
 * {@code proj} [E, H*v].
 */
public final class Attention {
    public final Linear qkv, q, k, v, proj;
    private final BlockSpec spec;
    private final double scale;

    public Attention(Params p, String name, int dim, BlockSpec spec, double scale) {
        this(p, name, dim, spec, scale, fusedLayout(spec));
    }

    /** With the layout chosen: fused needs qk == v (the latency table times both layouts at such dims). */
    public Attention(Params p, String name, int dim, BlockSpec spec, double scale, boolean fused) {
        if (fused && spec.qkDim() != spec.vDim())
            throw new IllegalArgumentException("a fused qkv projection needs qk == v, got " + spec);
        this.spec = spec;
        this.scale = scale;
        if (fused) {
            qkv = new Linear(p, name + ".qkv", dim, 2 * spec.qkWidth() + spec.vWidth());
            q = k = v = null;
        } else {
            qkv = null;
            q = new Linear(p, name + ".q", dim, spec.qkWidth());
            k = new Linear(p, name + ".k", dim, spec.qkWidth());
            v = new Linear(p, name + ".v", dim, spec.vWidth());
        }
        proj = new Linear(p, name + ".proj", spec.vWidth(), dim);
    }

    public boolean fused() { return qkv != null; }

    /** x [B, N, E] -> [B, N, E]. */
    public Var forward(Var x) { return proj.forward(heads(x)); }

    /** The heads' outputs before the output projection: x [B, N, E] -> [B, N, H*v]. */
    public Var heads(Var x) {
        int h = spec.heads();
        return qkv != null
                ? F.attention(qkv.forward(x), h, spec.qkDim(), spec.vDim(), scale)
                : F.attention(q.forward(x), k.forward(x), v.forward(x), h, scale);
    }

    /** True when this block's layout is the fused one (qk == v): the layout every dense model of ours writes. */
    static boolean fusedLayout(BlockSpec s) { return s.qkDim() == s.vDim(); }

    /**
     * The units of block {@code block} in the projections named under {@code name}, fused ({@code qkv}) or separate
     * ({@code q/k/v}): a head owns its Q, K and V rows and its proj columns; a QK index its row in every head's Q and
     * K; a V index its row in every head's V and its proj column; the embedding owns the projections' input columns
     * and proj's output rows.
     */
    static void couplings(List<Coupling> out, String name, int block, BlockSpec s, int embed, boolean fused) {
        int h = s.heads(), qk = s.qkDim(), vd = s.vDim();
        String qn = name + (fused ? ".qkv" : ".q"), kn = name + (fused ? ".qkv" : ".k"), vn = name + (fused ? ".qkv" : ".v");
        int qOff = 0, kOff = fused ? h * qk : 0, vOff = fused ? 2 * h * qk : 0;
        String proj = name + ".proj";
        Dim head = Dim.head(block), qkDim = Dim.qk(block), vDim = Dim.v(block);
        Linear.rows(out, qn, head, Role.OUTPUT, qOff, h, qk, 1, h * qk);
        Linear.rows(out, kn, head, Role.KEY, kOff, h, qk, 1, h * qk);
        Linear.rows(out, vn, head, Role.OUTPUT, vOff, h, vd, 1, h * vd);
        Linear.columns(out, proj, head, Role.INPUT, h, vd, 1, h * vd);
        Linear.rows(out, qn, qkDim, Role.OUTPUT, qOff, qk, 1, h, qk);
        Linear.rows(out, kn, qkDim, Role.KEY, kOff, qk, 1, h, qk);
        Linear.rows(out, vn, vDim, Role.OUTPUT, vOff, vd, 1, h, vd);
        Linear.columns(out, proj, vDim, Role.INPUT, vd, 1, h, vd);
        for (String w : fused ? List.of(qn) : List.of(qn, kn, vn)) Linear.columns(out, w, Dim.EMB, Role.INPUT, embed, 1, 1, embed);
        Linear.rows(out, proj, Dim.EMB, Role.OUTPUT, 0, embed, 1, 1, embed);
    }

    /**
     * Writes the Q/K/V tensors of a block into {@code out} in the layout of a model with dims {@code to}: fused when
     * its qk == v, else separate. {@code in} holds them in either layout, already cut to {@code to}'s sizes. Q (weight
     * and bias) is multiplied by {@code qScale}, which folds a change of the attention scale into the weights.
     */
    static void toLayout(String name, BlockSpec to, double qScale, Map<String, Tensor> in, Map<String, Tensor> out) {
        Tensor[] w = new Tensor[3], b = new Tensor[3];
        String[] parts = {"q", "k", "v"};
        Tensor fw = in.get(name + ".qkv.weight");
        if (fw != null) {
            int[] rows = {to.qkWidth(), to.qkWidth(), to.vWidth()};
            w = splitRows(fw, rows);
            Tensor fb = in.get(name + ".qkv.bias");
            if (fb != null) b = splitRows(fb, rows);
        } else {
            for (int i = 0; i < 3; i++) {
                w[i] = in.get(name + "." + parts[i] + ".weight");
                b[i] = in.get(name + "." + parts[i] + ".bias");
            }
        }
        if (qScale != 1) {
            w[0] = scaled(w[0], qScale);
            if (b[0] != null) b[0] = scaled(b[0], qScale);
        }
        if (fusedLayout(to)) {
            out.put(name + ".qkv.weight", concatRows(w));
            if (b[0] != null) out.put(name + ".qkv.bias", concatRows(b));
        } else {
            for (int i = 0; i < 3; i++) {
                out.put(name + "." + parts[i] + ".weight", w[i]);
                if (b[i] != null) out.put(name + "." + parts[i] + ".bias", b[i]);
            }
        }
    }

    private static Tensor[] splitRows(Tensor t, int[] rows) {
        int total = 0;
        for (int r : rows) total += r;
        if (t.dim(0) != total) throw new IllegalArgumentException("fused qkv " + t + " does not have " + total + " rows");
        Tensor[] parts = new Tensor[rows.length];
        int at = 0;
        for (int i = 0; i < rows.length; i++) {
            parts[i] = t.slice(at, at + rows[i]).copy();
            at += rows[i];
        }
        return parts;
    }

    private static Tensor concatRows(Tensor[] parts) {
        int rows = 0;
        for (Tensor p : parts) rows += p.dim(0);
        int[] shape = parts[0].shape();
        shape[0] = rows;
        Tensor out = Tensor.zeros(parts[0].dtype(), shape);
        long o = 0;
        for (Tensor p : parts) for (long i = 0; i < p.numel(); i++) out.setFlat(o++, p.getFlat(i));
        return out;
    }

    private static Tensor scaled(Tensor t, double s) {
        Tensor c = t.copy();
        for (long i = 0; i < c.numel(); i++) c.setFlat(i, c.getFlat(i) * s);
        return c;
    }
}
