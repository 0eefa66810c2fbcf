package org.nvit.pruning;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/**
 * Per-unit saliency, accumulated batch by batch and turned into scores at every pruning step (nvit-paper.md 2.2):
 * <ol>
 * <li>per batch, c_u = (sum over the unit's criterion slices of w * dL/dw) / the kind's divisor ({@link UnitKind});</li>
 * <li>the batch score f(c_u) ({@link #batchScore}) is summed; at a pruning step the mean over the interval's batches
 * is taken;</li>
 * <li>across pruning steps an exponential moving average with momentum 0.9, bias-corrected (divided by 1 - 0.9^t),
 * smooths it. The official code instead multiplies the average by 0 after its first step and never corrects the bias
 * (pitfall 5 in the digest); that quirk is not copied, so the balance against the latency term does not drift.</li>
 * </ol>
 * Weights are the masked ones, so pruned units score exactly 0 (they are also forced to 0).
 */
public abstract class Importance {
    public static final double MOMENTUM = 0.9;

    private final Map<PruningLayer, double[]> sum = new HashMap<>();
    private final Map<PruningLayer, double[]> ema = new HashMap<>();
    private int batches;
    private int steps;

    /** The score of one batch from the scaled group saliency c (for MAGNITUDE: from the scaled sum of w^2). */
    protected abstract double batchScore(double c);

    /** True when the criterion is a weight-magnitude one (uses w * w instead of w * grad). */
    protected boolean magnitude() { return false; }

    public static Importance byName(String name) {
        return switch (name) {
            case "taylor" -> new TaylorImportance();
            case "first-order" -> new FirstOrderTaylor();
            case "magnitude" -> new Magnitude();
            default -> throw new IllegalArgumentException("unknown importance '" + name + "': use taylor, first-order or magnitude");
        };
    }

    /** Batches accumulated since the last {@link #scores}. */
    public int pendingBatches() { return batches; }

    /**
     * Adds one batch. weights and grads map parameter names to CPU tensors of equal shapes (grads may lack entries,
     * which then count as 0; magnitude criteria ignore grads).
     */
    public void accumulate(PruningMasks masks, Map<String, Tensor> weights, Map<String, Tensor> grads) {
        Structure st = masks.structure();
        Map<String, double[][]> reduced = new HashMap<>();
        for (PruningLayer l : st.layers()) {
            double[] s = sum.computeIfAbsent(l, k -> new double[st.units(k)]);
            for (int u = 0; u < s.length; u++) {
                if (!masks.kept(l, u)) continue;
                double c = 0;
                for (Slice sl : st.criterion(l, u)) {
                    double[] r = reduce(reduced, sl, weights, grads);
                    if (r != null) c += r[sl.index()];
                }
                double scaled = magnitude() ? c / (l.kind().scoreDivisor * l.kind().scoreDivisor) : c / l.kind().scoreDivisor;
                double v = batchScore(scaled);
                if (Double.isFinite(v)) s[u] += v;
            }
        }
        batches++;
    }

    /** Sum of w * g (or w * w) over every axis but sl.axis(), cached per (tensor, axis) for this batch. */
    private double[] reduce(Map<String, double[][]> cache, Slice sl, Map<String, Tensor> w, Map<String, Tensor> g) {
        Tensor wt = w.get(sl.name());
        Tensor gt = magnitude() ? wt : g.get(sl.name());
        if (wt == null || gt == null) return null;
        double[][] perAxis = cache.computeIfAbsent(sl.name(), n -> new double[wt.rank()][]);
        if (perAxis[sl.axis()] == null) perAxis[sl.axis()] = productSum(wt, gt, sl.axis());
        return perAxis[sl.axis()];
    }

    static double[] productSum(Tensor a, Tensor b, int axis) {
        if (!a.sameShape(b))
            throw new IllegalArgumentException("weight and gradient shapes differ: " + a + " vs " + b);
        int[] shape = a.shape();
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) inner *= shape[i];
        int dim = shape[axis];
        double[] out = new double[dim];
        boolean f32 = a.dtype() == DType.F32 && b.dtype() == DType.F32;
        float[] x = f32 ? a.floats() : null, y = f32 ? b.floats() : null;
        int xo = f32 ? a.off() : 0, yo = f32 ? b.off() : 0;
        long i = 0;
        for (long o = 0; o < outer; o++)
            for (int d = 0; d < dim; d++) {
                double acc = 0;
                if (f32) {
                    for (long j = 0; j < inner; j++, i++) acc += (double) x[xo + (int) i] * y[yo + (int) i];
                } else {
                    for (long j = 0; j < inner; j++, i++) acc += a.getFlat(i) * b.getFlat(i);
                }
                out[d] += acc;
            }
        return out;
    }

    /**
     * Closes a pruning interval: the mean batch score per unit, folded into the bias-corrected moving average.
     * Pruned units score 0. Returns a fresh map (layer -> scores at full size).
     */
    public Map<PruningLayer, double[]> scores(PruningMasks masks) {
        if (batches == 0) throw new IllegalStateException("no batch was accumulated since the last pruning step");
        steps++;
        double correction = 1 - Math.pow(MOMENTUM, steps);
        Map<PruningLayer, double[]> out = new LinkedHashMap<>();
        for (PruningLayer l : masks.layers()) {
            double[] s = sum.get(l);
            double[] e = ema.computeIfAbsent(l, k -> new double[s.length]);
            double[] r = new double[s.length];
            for (int u = 0; u < s.length; u++) {
                e[u] = MOMENTUM * e[u] + (1 - MOMENTUM) * (s[u] / batches);
                r[u] = masks.kept(l, u) ? e[u] / correction : 0;
                s[u] = 0;
            }
            out.put(l, r);
        }
        batches = 0;
        return out;
    }
}
