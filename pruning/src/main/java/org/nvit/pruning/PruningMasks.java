package org.nvit.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * Keep flags for every NViT unit of a model at its full shape: EMB [E], and per block HEAD [H], QK [qk], V [v],
 * MLP [M]. {@link #apply} zeroes every slice a pruned unit owns ({@link Structure#zeroed}), which is how the masked
 * ("sparse") model of the pruning phase behaves like the smaller dense one.
 */
public final class PruningMasks {
    private final Structure structure;
    private final Map<PruningLayer, boolean[]> keep = new HashMap<>();
    private int version;
    private Map<String, Tensor> cached;
    private String cacheKey;

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
    public boolean[] keep(PruningLayer l) { return keep.get(l).clone(); }

    public boolean kept(PruningLayer l, int unit) { return keep.get(l)[unit]; }

    /** Units still alive in this layer. */
    public int alive(PruningLayer l) {
        int n = 0;
        for (boolean b : keep.get(l)) if (b) n++;
        return n;
    }

    /** Marks units pruned; a layer may not lose its last unit. */
    public void prune(PruningLayer l, int... units) {
        boolean[] k = keep.get(l);
        for (int u : units) k[u] = false;
        if (alive(l) == 0) {
            for (int u : units) k[u] = true;
            throw new IllegalArgumentException("pruning " + units.length + " units would empty layer " + l);
        }
        version++;
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
     * Zeroes every slice of every pruned unit in place. Runs after every optimizer step, so it multiplies by 0/1 mask
     * tensors (one vectorised backend op per affected parameter, on the parameters' device) built once per change of
     * the masks, instead of walking the slices each time.
     */
    public void apply(Map<String, Tensor> params) {
        Tensor any = params.values().iterator().next();
        String key = version + "/" + any.dtype() + "/" + any.device();
        if (!key.equals(cacheKey)) {
            Map<String, Tensor> cpu = maskTensors(params);
            cached = new HashMap<>();
            for (var e : cpu.entrySet()) {
                Tensor p = params.get(e.getKey());
                cached.put(e.getKey(), p.device() == Device.CPU ? e.getValue() : Backends.of(p).fromCpu(e.getValue()));
            }
            cacheKey = key;
        }
        for (var e : cached.entrySet()) {
            Tensor p = params.get(e.getKey());
            if (p != null) Backends.of(p).mul(p, e.getValue(), p);
        }
    }

    /** 0/1 masks (CPU, the params' dtype) for every parameter that some pruned unit touches. */
    public Map<String, Tensor> maskTensors(Map<String, Tensor> params) {
        Map<String, Tensor> out = new HashMap<>();
        for (PruningLayer l : layers()) {
            boolean[] k = keep.get(l);
            for (int u = 0; u < k.length; u++) {
                if (k[u]) continue;
                for (Slice s : structure.zeroed(l, u)) {
                    Tensor p = params.get(s.name());
                    if (p == null) continue;
                    Tensor m = out.computeIfAbsent(s.name(), n -> ones(p.dtype() == DType.F64 ? DType.F64 : DType.F32, p.shape()));
                    s.zero(m);
                }
            }
        }
        return out;
    }

    private static Tensor ones(DType dt, int[] shape) {
        Tensor t = Tensor.zeros(dt, shape);
        if (dt == DType.F32) Arrays.fill(t.floats(), 1f);
        else for (long i = 0; i < t.numel(); i++) t.setFlat(i, 1);
        return t;
    }
}
