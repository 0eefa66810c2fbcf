package org.nvit.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.models.structure.Coupling;

/**
 * Keep flags for every NViT unit of a model at its full shape: EMB [E], and per block HEAD [H], QK [qk], V [v],
 * MLP [M]. {@link #apply} zeroes every slice a pruned unit owns ({@link Structure#couplings}), which is how the masked
 * ("sparse") model of the pruning phase behaves like the smaller dense one.
 *
 * <p>On any device the flags live as one 0/1 vector over all layers' units ({@link #keepVector}), uploaded once per
 * change of the masks; applying them is one {@code scaleAlong} per slice of a layer that has lost units, on the
 * parameters' own device. Nothing is read back.
 */
public final class PruningMasks {
    private final Structure structure;
    private final Map<PruningLayer, boolean[]> keep = new HashMap<>();
    private int version;
    private Tensor vector;   // the keep flags on a device, for `vectorKey`
    private String vectorKey;

    public PruningMasks(Structure structure) {
        this.structure = structure;
        for (PruningLayer l : structure.layers()) {
            boolean[] k = new boolean[structure.units(l)];
            Arrays.fill(k, true);
            keep.put(l, k);
        }
    }

    public Structure structure() { return structure; }

    public List<PruningLayer> layers() { return structure.layers(); }

    /** A copy of the keep flags of one layer. */
    public boolean[] keep(PruningLayer l) { return flags(l).clone(); }

    public boolean kept(PruningLayer l, int unit) { return flags(l)[unit]; }

    private boolean[] flags(PruningLayer l) {
        boolean[] k = keep.get(l);
        if (k == null) throw new IllegalArgumentException("the model has no pruning layer " + l);
        return k;
    }

    /** Units still alive in this layer. */
    public int alive(PruningLayer l) {
        int n = 0;
        for (boolean b : flags(l)) if (b) n++;
        return n;
    }

    /** Increases with every change of the flags. */
    public int version() { return version; }

    /** Marks units pruned; a layer may not lose its last unit. */
    public void prune(PruningLayer l, int... units) {
        boolean[] k = flags(l);
        boolean[] before = k.clone();
        for (int u : units) {
            if (u < 0 || u >= k.length) throw new IllegalArgumentException("unit " + u + " is outside layer " + l + " (" + k.length + " units)");
            k[u] = false;
        }
        if (alive(l) == 0) {
            System.arraycopy(before, 0, k, 0, k.length);
            throw new IllegalArgumentException("pruning " + units.length + " units would empty layer " + l);
        }
        version++;
    }

    /** Replaces all flags (restoring a checkpoint): one 0/1 entry per unit, in {@link Structure} order. */
    public void load(float[] flags) {
        if (flags.length != structure.totalUnits())
            throw new IllegalArgumentException("the saved masks have " + flags.length + " entries, the model " + structure.totalUnits() + " units");
        for (PruningLayer l : layers()) {
            boolean[] k = keep.get(l);
            int off = structure.offset(l), alive = 0;
            for (int u = 0; u < k.length; u++) {
                float f = flags[off + u];
                if (f != 0 && f != 1) throw new IllegalArgumentException("saved mask entry " + f + " of " + l + " is not 0 or 1");
                k[u] = f == 1;
                if (k[u]) alive++;
            }
            if (alive == 0) throw new IllegalArgumentException("the saved masks leave layer " + l + " empty");
        }
        version++;
    }

    /** All flags as 0/1 in {@link Structure} order (what a checkpoint saves). */
    public float[] flags() {
        float[] f = new float[structure.totalUnits()];
        for (PruningLayer l : layers()) {
            boolean[] k = keep.get(l);
            int off = structure.offset(l);
            for (int u = 0; u < k.length; u++) f[off + u] = k[u] ? 1 : 0;
        }
        return f;
    }

    /** Current dims (alive counts) of every layer as a ragged config (latency, reports, shrink). */
    public VitConfig currentConfig() {
        VitConfig c = structure.config();
        List<BlockSpec> blocks = new ArrayList<>();
        for (int b = 0; b < c.depth(); b++)
            blocks.add(new BlockSpec(alive(new PruningLayer(UnitKind.HEAD, b)), alive(new PruningLayer(UnitKind.QK, b)),
                    alive(new PruningLayer(UnitKind.V, b)), alive(new PruningLayer(UnitKind.MLP, b))));
        return c.withBlocks(blocks).withEmbedDim(alive(PruningLayer.EMB));
    }

    /**
     * The keep flags of every layer as one 0/1 vector [total units] on {@code like}'s device and in its dtype
     * (uploaded again only after the masks change), or, with a layer, that layer's slice of it.
     */
    public Tensor keepVector(Tensor like) {
        Backend be = Backends.of(like);
        DType dt = like.dtype() == DType.F64 ? DType.F64 : DType.F32;
        String key = version + "/" + dt + "/" + like.device() + "/" + System.identityHashCode(be);
        if (!key.equals(vectorKey)) {
            float[] f = flags();
            Tensor host = dt == DType.F32 ? Tensor.of(f, f.length) : Tensor.of(toDoubles(f), f.length);
            try (var outside = MemoryScope.suspend()) { // lives until the masks change, across training steps
                vector = like.device() == Device.CPU ? host : be.fromCpu(host);
            }
            vectorKey = key;
        }
        return vector;
    }

    public Tensor keepVector(Tensor like, PruningLayer l) {
        int off = structure.offset(l);
        return keepVector(like).slice(off, off + structure.units(l));
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /**
     * Zeroes every slice of every pruned unit in place, on the parameters' device. Runs after every optimizer step
     * (AdamW's moments would otherwise revive pruned weights); parameters missing from the map are skipped.
     */
    public void apply(Map<String, Tensor> params) {
        Tensor like = null;
        for (PruningLayer l : layers()) {
            if (alive(l) == keep.get(l).length) continue;
            for (Coupling c : structure.couplings(l)) {
                Tensor p = params.get(c.param());
                if (p == null) continue;
                if (like == null) like = p;
                UnitView v = UnitView.of(p, c);
                Backends.of(p).scaleAlong(v.flat(), v.outer(), v.inner(), keepVector(like, l));
            }
        }
    }
}
