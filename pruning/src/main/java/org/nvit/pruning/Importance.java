package org.nvit.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.distributed.Communicator;
import org.nvit.distributed.SingleProcess;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.models.structure.Coupling;

/**
 * Per-unit saliency, accumulated batch by batch and turned into scores at every pruning step (nvit-paper.md 2.2):
 * <ol>
 * <li>per batch, c_u = (sum over the unit's criterion slices of w * dL/dw) / the kind's divisor ({@link UnitKind});</li>
 * <li>the batch score f(c_u) ({@link #score}) is summed; at a pruning step the mean over the interval's batches
 * is taken;</li>
 * <li>across pruning steps an exponential moving average with momentum 0.9, bias-corrected (divided by 1 - 0.9^t),
 * smooths it. The official code instead multiplies the average by 0 after its first step and never corrects the bias
 * (pitfall 5 in the digest); that quirk is not copied, so the balance against the latency term does not drift.</li>
 * </ol>
 * Weights are the masked ones, so pruned units score exactly 0 (they are also forced to 0).
 *
 * <p>Steps 1 and 2 run on the parameters' device with backend ops: one {@code dotAlong} per criterion slice into a
 * per-unit vector c, then one {@code accumulateScore} into the running sum. Only at a pruning step does the sum vector
 * (a few thousand numbers) come to the host, where the moving average is kept in double.
 */
public abstract class Importance {
    public static final double MOMENTUM = 0.9;

    private Tensor c, sum;          // per unit of all layers, on the weights' device
    private double[] ema;           // host, per unit
    private int batches;
    private int steps;
    private Communicator comm = SingleProcess.INSTANCE;

    /** The score of one batch from the group saliency c (for a magnitude criterion: from the sum of w^2). */
    protected abstract Backend.Score score();

    /**
     * What dividing c by the kind's divisor before scoring does to the score: 1/d^2 for a squared score (and for
     * magnitude, whose c is a sum of squares), 1/d for |c|. Applied on the host in double at each pruning step, so the
     * device sums raw scores and the divisors cost no rounding.
     */
    protected abstract double divisorFactor(double divisor);

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

    /**
     * Averages the interval's saliency over the ranks of a data-parallel job before each ranking, so that every rank
     * ranks the same numbers: an all-reduce leaves the same result on every rank. (Accumulated from the ranks'
     * averaged gradients, the ranks' vectors are equal already, and for 2, 4, 8... ranks their mean is that vector
     * bit for bit; the all-reduce makes the ranking's input one by construction, whatever happened before.)
     */
    public Importance reduceWith(Communicator c) {
        comm = c;
        return this;
    }

    /** Batches accumulated since the last {@link #scores}. */
    public int pendingBatches() { return batches; }

    /** Pruning steps taken (the moving average's bias correction counts them). */
    public int steps() { return steps; }

    /**
     * Adds one batch. weights and grads map parameter names to tensors of equal shapes on one device (grads may lack
     * entries, which then count as 0; magnitude criteria ignore grads).
     */
    public void accumulate(PruningMasks masks, Map<String, Tensor> weights, Map<String, Tensor> grads) {
        Structure st = masks.structure();
        Tensor like = weights.get("patch_embed.proj.weight");
        if (like == null) like = weights.values().iterator().next();
        Backend be = Backends.of(like);
        ensureBuffers(st, be, like.dtype());
        for (PruningLayer l : st.layers()) {
            Tensor out = c.slice(st.offset(l), st.offset(l) + st.units(l));
            for (Coupling cp : st.criterion(l)) {
                Tensor w = weights.get(cp.param());
                Tensor g = magnitude() ? w : grads.get(cp.param());
                if (w == null || g == null) continue;
                if (!w.sameShape(g)) throw new IllegalArgumentException("weight and gradient shapes differ: " + w + " vs " + g);
                UnitView wv = UnitView.of(w, cp), gv = UnitView.of(g, cp);
                be.dotAlong(wv.flat(), gv.flat(), wv.outer(), wv.inner(), 1f, out);
            }
        }
        be.accumulateScore(c, score(), sum);
        batches++;
    }

    private void ensureBuffers(Structure st, Backend be, DType dtype) {
        if (c != null && c.device() == be.device() && c.dtype() == dtype) return;
        Tensor oldSum = sum;
        try (var outside = MemoryScope.suspend()) { // state that outlives every training step
            c = be.zeros(dtype, st.totalUnits());
            sum = be.zeros(dtype, st.totalUnits());
        }
        if (oldSum != null) copyInto(oldSum, sum); // a restored checkpoint's sum, now on the weights' device
        if (ema == null) ema = new double[st.totalUnits()];
    }

    /**
     * Closes a pruning interval: the mean batch score per unit, folded into the bias-corrected moving average.
     * Pruned units score 0. Returns a fresh map (layer -> scores at full size).
     */
    public Map<PruningLayer, double[]> scores(PruningMasks masks) {
        if (batches == 0) throw new IllegalStateException("no batch was accumulated since the last pruning step");
        Structure st = masks.structure();
        Tensor s = host(sum);       // the one read of a pruning step
        if (comm.size() > 1) s = meanOverRanks(s);
        Backends.of(sum).fill(sum, 0f);
        steps++;
        double correction = 1 - Math.pow(MOMENTUM, steps);
        Map<PruningLayer, double[]> out = new LinkedHashMap<>();
        for (PruningLayer l : masks.layers()) {
            int off = st.offset(l), n = st.units(l);
            double f = divisorFactor(l.kind().scoreDivisor);
            double[] r = new double[n];
            for (int u = 0; u < n; u++) {
                ema[off + u] = MOMENTUM * ema[off + u] + (1 - MOMENTUM) * (f * s.getFlat(off + u) / batches);
                r[u] = masks.kept(l, u) ? ema[off + u] / correction : 0;
            }
            out.put(l, r);
        }
        batches = 0;
        return out;
    }

    private Tensor meanOverRanks(Tensor s) {
        float[] v = s.toFloatArray();
        comm.allReduce(v, Communicator.Op.SUM);
        for (int i = 0; i < v.length; i++) v[i] /= comm.size();
        return Tensor.of(v, v.length);
    }

    // ---------------------------------------------------------------- checkpoints

    /** The running state: the interval's sum (host copy), the moving average, the batch and step counts. */
    public record State(float[] sum, double[] ema, int batches, int steps) {}

    public State state(Structure st) {
        float[] s = sum == null ? new float[st.totalUnits()] : host(sum).toFloatArray();
        return new State(s, ema == null ? new double[st.totalUnits()] : ema.clone(), batches, steps);
    }

    public void load(Structure st, State state) {
        if (state.sum().length != st.totalUnits() || state.ema().length != st.totalUnits())
            throw new IllegalArgumentException("saved importance has " + state.sum().length + " units, the model " + st.totalUnits());
        if (state.batches() < 0 || state.steps() < 0)
            throw new IllegalArgumentException("saved importance has negative counts (" + state.batches() + " batches, " + state.steps() + " steps)");
        ema = state.ema().clone();
        batches = state.batches();
        steps = state.steps();
        c = null;
        sum = Tensor.of(state.sum().clone(), state.sum().length); // moved to the weights' device at the next batch
    }

    private static Tensor host(Tensor t) { return t.device() == Device.CPU ? t.copy() : Backends.of(t).toCpu(t); }

    private static void copyInto(Tensor src, Tensor dst) {
        Tensor h = src.device() == Device.CPU ? src.to(dst.dtype()) : Backends.of(src).toCpu(src).to(dst.dtype());
        Backend be = Backends.of(dst);
        be.copy(dst.device() == Device.CPU ? h : be.fromCpu(h), dst);
    }
}
