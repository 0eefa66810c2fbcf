package org.nvit.pruning;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.WarmUp;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.models.layers.Block;
import org.nvit.models.layers.Params;

/**
 * Measures NViT's latency lookup table (nvit-paper.md 3.2) on a backend: the forward wall time of one transformer
 * block (LN, attention, proj, LN, MLP; no graph) at the model's token count and a fixed batch, for every point of a
 * grid over (EMB, heads, QK, V, MLP), each the median of {@code repeats} runs after {@code warmup} runs. The fixed parts
 * (patch embedding, tokens, positions, final norm, heads) are timed directly, as the model's forward without blocks.
 * Before the first point the full-size block and model run for a few seconds, so the JIT has compiled the kernels
 * and the first points are not measured on a cold JVM.
 */
public final class LatencyTableBuilder {
    public enum GridKind { DEFAULT, QUICK }

    private final Backend backend;
    private final int batch;
    private final int warmup;
    private final int repeats;
    private double jitWarmUpSeconds = 5;
    private double maxSpread = 0.10;
    private final List<Double> spreads = new ArrayList<>();
    private int remeasured, confirmed;

    /** One point's timing: the median of the repeats and their spread, (q3 - q1) / median. */
    public record Timing(double median, double spread) {}

    public LatencyTableBuilder(Backend backend, int batch, int warmup, int repeats) {
        if (batch < 1) throw new IllegalArgumentException("--batch-size must be >= 1 (got " + batch + ")");
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1");
        this.backend = backend;
        this.batch = batch;
        this.warmup = Math.max(0, warmup);
        this.repeats = repeats;
    }

    /**
     * The repeat spread above which a point is measured again (up to twice more, keeping the steadiest attempt), and
     * above which the finished table counts as unreliable (default 0.10).
     */
    public LatencyTableBuilder maxSpread(double s) {
        if (!(s > 0)) throw new IllegalArgumentException("--max-spread must be > 0 (got " + s + ")");
        this.maxSpread = s;
        return this;
    }

    public double maxSpread() { return maxSpread; }

    /** Minimum seconds of whole-model forwards before a table build or check (default 5; 0 for tests). */
    public LatencyTableBuilder jitWarmUp(double seconds) {
        this.jitWarmUpSeconds = Math.max(0, seconds);
        return this;
    }

    /**
     * NViT's grid shape scaled to the model's largest dims: EMB at eighths of E from 1/4 to 1 on multiples of its group
     * (the only widths pruning reaches; block time is not smooth in EMB, so an axis between group multiples mispredicts
     * the widths pruning does produce; on vit_fmnist, tables at quarters checked worst 11.7% and 16.7% where tables at
     * eighths checked 7.4% and 10.2%, with the same models, though build-to-build noise is of that order too); heads, QK and V at {low, 1/4, 1/2, 3/4, 1} of the maximum; MLP at
     * {low, 1/8, 1/4, 3/8, 1/2, 3/4, 1} of it, low being the narrowest width pruning leaves. QUICK keeps {1/2, 3/4, 1}
     * for EMB (a two-point EMB axis mispredicted DeiT-tiny's middle widths) and {low, 1/2, 1} elsewhere (or fewer
     * where the dims are tiny).
     */
    public static LatencyTable.Grid grid(VitConfig cfg, GridKind kind) {
        int e = cfg.embedDim(), h = 1, q = 1, v = 1, m = 1;
        for (BlockSpec b : cfg.blocks()) {
            h = Math.max(h, b.heads());
            q = Math.max(q, b.qkDim());
            v = Math.max(v, b.vDim());
            m = Math.max(m, b.mlpDim());
        }
        double[] five = {0, 0.25, 0.5, 0.75, 1}, mlp = {0, 0.125, 0.25, 0.375, 0.5, 0.75, 1}, quick = {0, 0.5, 1};
        if (kind == GridKind.QUICK)
            return new LatencyTable.Grid(embAxis(e, new double[] {0.5, 0.75, 1}), axis(h, quick, UnitKind.HEAD),
                    axis(q, quick, UnitKind.QK), axis(v, quick, UnitKind.V), axis(m, quick, UnitKind.MLP));
        return new LatencyTable.Grid(embAxis(e, new double[] {0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1}), axis(h, five, UnitKind.HEAD),
                axis(q, five, UnitKind.QK), axis(v, five, UnitKind.V), axis(m, mlp, UnitKind.MLP));
    }

    /**
     * The EMB axis at multiples of EMB's group size where the width allows, so that its points are widths pruning can
     * reach. Block time is not smooth in EMB on the CPU (128 = 8 x 16 lanes runs at full vector width, 43 pays a tail on
     * every row, and on this project's reference machine a block at EMB 64 ran faster than at 43 or 85), so a point
     * between two lane-aligned widths interpolates between like and like.
     */
    static int[] embAxis(int max, double[] fractions) {
        int g = UnitKind.EMB.defaultGroupSize;
        if (max % g != 0 || max < 2 * g) return axis(max, fractions);
        TreeSet<Integer> s = new TreeSet<>();
        for (double f : fractions) s.add(Math.max(g, (int) Math.round(f * max / g) * g));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Not a measurement: a table on the quick grid whose block "latency" is its multiply-adds per image at the model's
     * token count, in nanoseconds. Deterministic, so tests and benchmarks can rank without timing anything.
     */
    public static LatencyTable multiplyAdds(VitConfig cfg) {
        LatencyTable.Grid g = grid(cfg, GridKind.QUICK);
        int n = cfg.numTokens();
        double[] vals = new double[(int) g.size()];
        int i = 0;
        for (int e : g.emb()) for (int h : g.heads()) for (int q : g.qk()) for (int v : g.v()) for (int m : g.mlp())
            vals[i++] = 1e-9 * n * ((double) e * h * (2 * q + 2 * v) + 2.0 * e * m + (double) n * h * (q + v));
        return new LatencyTable(new LatencyTable.Data("nvit-lut-1", "multiply-adds", "none", "none", "-", 1, n, "macs", g, vals, 0));
    }

    /**
     * Fractions of max rounded to integers, deduplicated and sorted; 0 means the narrowest width pruning leaves (the
     * last, possibly partial, group: 8 of QK 64, 1 of 3 heads in groups of 2), or 1 where max is a single group.
     * NViT's grid starts at width 1, which pruning never reaches; block time is concave near the bottom (per-op costs
     * do not shrink with the width), so interpolating from 1 underpredicted every narrow block: DeiT-tiny's quick
     * table was 13% low on average, up to 33%, on models pruning can produce.
     */
    static int[] axis(int max, double[] fractions, UnitKind kind) {
        int g = kind.defaultGroupSize, low = max <= g ? 1 : (max - 1) % g + 1;
        TreeSet<Integer> s = new TreeSet<>();
        for (double f : fractions) s.add(f == 0 ? low : Math.max(low, (int) Math.round(f * max)));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Fractions of max rounded to integers >= 1, deduplicated and sorted; 0 means the value 1. */
    static int[] axis(int max, double[] fractions) {
        TreeSet<Integer> s = new TreeSet<>();
        for (double f : fractions) s.add(Math.max(1, (int) Math.round(f * max)));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Median forward seconds of one block with these dims on a [batch, tokens, emb] input, in the model's layout. */
    public double measureBlock(int emb, BlockSpec spec, int tokens, double attnScale, double eps) {
        return timeBlock(emb, spec, tokens, attnScale, eps, spec.qkDim() == spec.vDim()).median();
    }

    /** The same with the attention projections fused (needs qk == v) or separate. */
    public Timing timeBlock(int emb, BlockSpec spec, int tokens, double attnScale, double eps, boolean fused) {
        Params p = new Params(DType.F32, new Rng(emb * 31L + spec.hashCode()));
        Block block = new Block(p, "b", emb, spec, attnScale, eps, null, fused);
        for (Var w : p.all().values()) w.setValue(backend.fromCpu(w.value()));
        Tensor x = backend.fromCpu(Tensor.randn(DType.F32, new Rng(1), 1, batch, tokens, emb));
        return time(() -> block.forward(Var.constant(x), false, 0, null));
    }

    /**
     * Median forward seconds of a whole model (random weights). Each new model first runs until its time settles (at
     * least 1 s, at most 10): its first forwards fill the buffer pool and re-profile the JIT for new shapes, and a
     * handful of warm-up runs left whole-model medians up to 50% high.
     */
    public double measureModel(VitConfig cfg) {
        VisionTransformer m = model(cfg);
        Tensor x = images(cfg);
        Runnable forward = () -> m.forward(Var.constant(x), false, 0, null);
        if (jitWarmUpSeconds > 0)
            try (NoGrad g = NoGrad.open()) {
                WarmUp.untilSettled(() -> scoped(forward), 1, 10);
            }
        return time(forward).median();
    }

    /** Median seconds of the model's fixed parts: its forward without the blocks. */
    public double measureFixed(VitConfig cfg) {
        VisionTransformer m = model(cfg);
        Tensor x = images(cfg);
        return time(() -> m.classify(m.embed(Var.constant(x)))).median();
    }

    /**
     * JIT warm-up (nothing is recorded): runs the model's forward for at least {@code seconds} and then until its time
     * stops improving (at most 60 s). 0 skips it.
     */
    public void warmUp(VitConfig cfg, double seconds) {
        if (seconds <= 0) return;
        VisionTransformer m = model(cfg);
        Tensor x = images(cfg);
        try (NoGrad g = NoGrad.open()) {
            WarmUp.untilSettled(() -> scoped(() -> m.forward(Var.constant(x), false, 0, null)), seconds, Math.max(seconds, 60));
        }
    }

    private void warmUpBlock(int emb, BlockSpec spec, int tokens, double eps, boolean fused) {
        Params p = new Params(DType.F32, new Rng(7));
        Block block = new Block(p, "b", emb, spec, 1 / Math.sqrt(spec.qkDim()), eps, null, fused);
        for (Var w : p.all().values()) w.setValue(backend.fromCpu(w.value()));
        Tensor x = backend.fromCpu(Tensor.randn(DType.F32, new Rng(1), 1, batch, tokens, emb));
        try (NoGrad g = NoGrad.open()) {
            WarmUp.untilSettled(() -> scoped(() -> block.forward(Var.constant(x), false, 0, null)), 1, 10);
        }
    }

    private VisionTransformer model(VitConfig cfg) {
        VisionTransformer m = new VisionTransformer(cfg, 1);
        for (Var w : m.parameters().values()) w.setValue(backend.fromCpu(w.value()));
        return m;
    }

    private Tensor images(VitConfig cfg) {
        return backend.fromCpu(Tensor.randn(DType.F32, new Rng(2), 1, batch, cfg.inChans(), cfg.imageSize(), cfg.imageSize()));
    }

    /** One forward with recycled buffers, as the trainer and evaluator run them, so the table sees the same costs. */
    private void scoped(Runnable forward) {
        try (MemoryScope scope = MemoryScope.open()) {
            forward.run();
            backend.synchronize();
        }
    }

    /**
     * The median of {@code repeats} timed runs after {@code warmup} untimed ones. A point whose repeats scatter by more
     * than {@link #maxSpread} (another process, a collection, a cold code path) is measured again, at most twice more,
     * and the steadiest attempt is kept; its spread is recorded for the table's reliability verdict.
     */
    private Timing time(Runnable forward) {
        Timing best = null;
        for (int attempt = 0; attempt < 3 && (best == null || best.spread() > maxSpread); attempt++) {
            double[] t = new double[repeats];
            try (NoGrad g = NoGrad.open()) {
                for (int i = 0; i < warmup; i++) scoped(forward);
                backend.synchronize();
                for (int i = 0; i < repeats; i++) {
                    long t0 = System.nanoTime();
                    scoped(forward);
                    t[i] = (System.nanoTime() - t0) * 1e-9;
                }
            }
            Timing now = new Timing(WarmUp.median(t), spread(t));
            if (best == null || now.spread() < best.spread()) best = now;
        }
        spreads.add(best.spread());
        return best;
    }

    /** (q3 - q1) / median of the samples: 0 for fewer than 3. */
    static double spread(double[] t) {
        if (t.length < 3) return 0;
        double[] s = t.clone();
        java.util.Arrays.sort(s);
        double q1 = quantile(s, 0.25), q3 = quantile(s, 0.75), med = quantile(s, 0.5);
        return med > 0 ? (q3 - q1) / med : 0;
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        return i + 1 < sorted.length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    /**
     * Measures every grid point with separate Q/K/V projections, every point with qk == v once more fused (the grid
     * {@link LatencyTable} predicts such blocks from), and the fixed parts at each EMB. progress receives one line per
     * EMB x heads slice. The table records the points' repeat spread ({@link #reliability}).
     */
    public LatencyTable build(VitConfig cfg, LatencyTable.Grid grid, String modelName, Consumer<String> progress) {
        int tokens = cfg.numTokens();
        double scale = cfg.attnScale() != null ? cfg.attnScale() : Double.NaN;
        spreads.clear();
        List<Double> values = new ArrayList<>(), fused = new ArrayList<>();
        int[] qkv = grid.qkv();
        long total = grid.size() + grid.fusedSize(), done = 0;
        warmUp(cfg, jitWarmUpSeconds);
        // the smallest blocks take code paths (small GEMMs, short rows) the whole model never warmed: warm them too,
        // so that the first points are not timed on a cold JIT
        if (jitWarmUpSeconds > 0)
            for (boolean f : new boolean[] {false, true}) {
                int q = f ? qkv[0] : grid.qk()[0];
                warmUpBlock(grid.emb()[0], new BlockSpec(grid.heads()[0], q, f ? q : grid.v()[0], grid.mlp()[0]), tokens,
                        cfg.layerNormEps(), f);
            }
        for (int e : grid.emb())
            for (int h : grid.heads()) {
                for (int q : grid.qk())
                    for (int v : grid.v())
                        for (int m : grid.mlp()) {
                            double s = Double.isNaN(scale) ? 1 / Math.sqrt(q) : scale;
                            values.add(timeBlock(e, new BlockSpec(h, q, v, m), tokens, s, cfg.layerNormEps(), false).median());
                            done++;
                        }
                for (int q : qkv)
                    for (int m : grid.mlp()) {
                        double s = Double.isNaN(scale) ? 1 / Math.sqrt(q) : scale;
                        fused.add(timeBlock(e, new BlockSpec(h, q, q, m), tokens, s, cfg.layerNormEps(), true).median());
                        done++;
                    }
                if (progress != null) progress.accept(String.format("emb %d heads %d: %d/%d points", e, h, done, total));
            }
        double[] vals = values.stream().mapToDouble(Double::doubleValue).toArray();
        double[] fusedVals = fused.stream().mapToDouble(Double::doubleValue).toArray();
        int[][] axes = grid.axes(), fusedAxes = {grid.emb(), grid.heads(), qkv, grid.mlp()};
        remeasured = 0;
        confirmed = 0;
        for (int round = 0; round < 2; round++) {
            remeasureSuspects(axes, vals, p -> new BlockSpec(p[1], p[2], p[3], p[4]), false, tokens, scale, cfg.layerNormEps());
            remeasureSuspects(fusedAxes, fusedVals, p -> new BlockSpec(p[1], p[2], p[2], p[3]), true, tokens, scale, cfg.layerNormEps());
        }
        if (progress != null && remeasured > 0)
            progress.accept(String.format(java.util.Locale.ROOT, "%d re-measurements of points slower than a larger neighbour;"
                    + " %d were as slow again", remeasured, confirmed));
        double[] fixedByEmb = new double[grid.emb().length];
        for (int i = 0; i < fixedByEmb.length; i++) fixedByEmb[i] = measureFixed(cfg.withEmbedDim(grid.emb()[i]));
        double[] spreadArr = spreads.stream().mapToDouble(Double::doubleValue).toArray();
        double worst = java.util.Arrays.stream(spreadArr).max().orElse(0);
        return new LatencyTable(new LatencyTable.Data("nvit-lut-2", backend.name(), backend.device().name().toLowerCase(),
                machine(), Instant.now().toString(), batch, tokens, modelName, grid,
                vals, fixedByEmb[fixedByEmb.length - 1], fusedVals, fixedByEmb,
                new LatencyTable.Spread(WarmUp.median(spreadArr), worst, repeats)));
    }

    /**
     * Measures again every point that is more than 10% slower than its neighbour one step up some axis, and keeps the
     * faster of the two medians. A disturbance that lasts the whole of a point's repeats (a JIT recompilation when a new
     * shape first runs, another process's burst) leaves those repeats steady, so the spread test does not catch it, but
     * it does make the point slower than a larger block: two DeiT-style tables built one after the other on a quiet
     * machine had the same e32/h4/qk24/v8 points 10x too slow (42-48 ms against 4 ms measured alone), and the first ~30
     * points 3-5x too slow, which mispredicted a model at EMB 48 by 47%. A step that is slow again is kept (it may be a
     * real kernel switch; {@link #monotonicity} warns about it).
     */
    private void remeasureSuspects(int[][] axes, double[] vals, java.util.function.Function<int[], BlockSpec> spec, boolean fused,
                                   int tokens, double scale, double eps) {
        int[] strides = LatencyTable.strides(axes);
        for (int idx : LatencyTable.slowerThanALargerNeighbour(axes, vals, 0.10)) {
            int[] p = new int[axes.length];
            for (int k = 0; k < axes.length; k++) p[k] = axes[k][(idx / strides[k]) % axes[k].length];
            BlockSpec b = spec.apply(p);
            double s = Double.isNaN(scale) ? 1 / Math.sqrt(b.qkDim()) : scale;
            double again = timeBlock(p[0], b, tokens, s, eps, fused).median();
            remeasured++;
            if (again >= 0.9 * vals[idx]) confirmed++;
            vals[idx] = Math.min(vals[idx], again);
        }
    }

    /**
     * Why a table is not to be trusted, or empty: more than 2% of its points (or its median point) still scattered
     * beyond {@link #maxSpread} after the re-measurements. A few noisy points among thousands are within what
     * interpolation smooths over; {@link #noisyPoints} reports them.
     */
    public List<String> reliability(LatencyTable t) {
        List<String> out = new ArrayList<>();
        LatencyTable.Spread sp = t.data().spread();
        long noisy = spreads.stream().filter(x -> x > maxSpread).count();
        if (sp != null && (noisy > 0.02 * spreads.size() || sp.median() > maxSpread))
            out.add(String.format(java.util.Locale.ROOT, "%d of %d points scattered by more than %.0f%% between repeats even "
                    + "after measuring them again (worst %.0f%%, median %.1f%%)", noisy, spreads.size(), 100 * maxSpread,
                    100 * sp.worst(), 100 * sp.median()));
        return out;
    }

    /** The points measured since the last build whose repeats scattered beyond {@link #maxSpread} (a warning). */
    public List<String> noisyPoints() {
        long noisy = spreads.stream().filter(x -> x > maxSpread).count();
        return noisy == 0 ? List.of() : List.of(String.format(java.util.Locale.ROOT, "%d of %d points scattered by more than"
                + " %.0f%% between repeats after re-measuring (worst %.0f%%)", noisy, spreads.size(), 100 * maxSpread,
                100 * spreads.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    }

    /**
     * Grid steps where a block gets more than 10% faster as a dimension grows. Steady measurements can show this for
     * real (a smaller block that runs on fewer threads, a kernel switch at a size threshold), so it is a warning: the
     * ranking then sees no saving, or a negative one clamped to 0, for pruning along that step.
     */
    public static List<String> monotonicity(LatencyTable t) {
        List<String> mono = t.monotonicityViolations(0.10);
        return mono.isEmpty() ? List.of() : List.of(mono.size() + " grid steps get more than 10% faster as a dimension grows,"
                + " e.g. " + mono.getFirst());
    }

    static String machine() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus, Java " + Runtime.version();
    }

    /**
     * One check sample: a random ragged model inside the grid, its predicted seconds, and the mean of two measurements
     * taken in separate passes over all samples. {@code clockDiff} is how far the two disagree, |a - b| / mean: the
     * clock's own run-to-run variation, below which no table can be verified.
     */
    public record CheckSample(VitConfig config, double predicted, double measured, double clockDiff) {
        public double relError() { return Math.abs(predicted - measured) / measured; }

        /**
         * The error of the predicted fraction of the dense model's latency, which is what pruning uses (its target is a
         * fraction of the dense model's predicted latency): a machine that runs uniformly faster or slower between the
         * table's build and the check cancels out of it.
         */
        public double relErrorOfFraction(CheckSample dense) {
            double p = predicted / dense.predicted(), m = measured / dense.measured();
            return Math.abs(p - m) / m;
        }
    }

    /** The check's samples and the dense model (the one the samples were drawn from), measured in the same passes. */
    public record CheckResult(List<CheckSample> samples, CheckSample dense) {}

    /**
     * Random ragged models of base's depth and image shape, each dim a width pruning can reach (the axis maximum less
     * whole groups, inside the grid's range), and base itself, each measured in a first pass in order and a second in
     * reverse order (so that a slow drift of the machine shows up as disagreement, not as table error).
     */
    public CheckResult check(LatencyTable table, VitConfig base, int samples, long seed, Consumer<String> progress) {
        LatencyTable.Grid g = table.data().grid();
        Rng r = new Rng(seed);
        List<VitConfig> configs = new ArrayList<>();
        for (int s = 0; s < samples; s++) {
            List<BlockSpec> blocks = new ArrayList<>();
            for (int i = 0; i < base.depth(); i++)
                blocks.add(new BlockSpec(pick(r, g.heads(), UnitKind.HEAD), pick(r, g.qk(), UnitKind.QK), pick(r, g.v(), UnitKind.V),
                        pick(r, g.mlp(), UnitKind.MLP)));
            configs.add(base.withBlocks(blocks).withEmbedDim(pick(r, g.emb(), UnitKind.EMB)));
        }
        configs.add(base);
        int n = configs.size();
        warmUp(base, jitWarmUpSeconds);
        double[] first = new double[n], second = new double[n];
        for (int s = 0; s < n; s++) first[s] = measureModel(configs.get(s));
        for (int s = n - 1; s >= 0; s--) second[s] = measureModel(configs.get(s));
        List<CheckSample> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            VitConfig c = configs.get(s);
            double mean = (first[s] + second[s]) / 2;
            out.add(new CheckSample(c, table.model(c), mean, Math.abs(first[s] - second[s]) / mean));
        }
        CheckSample dense = out.removeLast();
        if (progress != null) {
            for (int s = 0; s < samples; s++) {
                CheckSample cs = out.get(s);
                VitConfig c = cs.config();
                progress.accept(String.format(java.util.Locale.ROOT, "sample %d (emb %d, %s): predicted %.4g s, measured %.4g s"
                        + " (%.1f%%; as a fraction of the dense model's latency %.3f predicted, %.3f measured; the two"
                        + " measurements differ by %.1f%%)", s + 1, c.embedDim(), dims(c), cs.predicted(), cs.measured(),
                        100 * cs.relError(), cs.predicted() / dense.predicted(), cs.measured() / dense.measured(), 100 * cs.clockDiff()));
            }
            progress.accept(String.format(java.util.Locale.ROOT, "dense model: predicted %.4g s, measured %.4g s (%.1f%%; the two"
                    + " measurements differ by %.1f%%)", dense.predicted(), dense.measured(), 100 * dense.relError(), 100 * dense.clockDiff()));
        }
        return new CheckResult(out, dense);
    }

    /** heads/qk/v/mlp per block, compactly: "h 4,3 qk 32,17 v ... mlp ...". */
    private static String dims(VitConfig c) {
        StringBuilder h = new StringBuilder("heads"), q = new StringBuilder(" qk"), v = new StringBuilder(" v"), m = new StringBuilder(" mlp");
        for (BlockSpec b : c.blocks()) {
            h.append(h.length() > 5 ? "," : " ").append(b.heads());
            q.append(q.length() > 3 ? "," : " ").append(b.qkDim());
            v.append(v.length() > 2 ? "," : " ").append(b.vDim());
            m.append(m.length() > 4 ? "," : " ").append(b.mlpDim());
        }
        return h.append(q).append(v).append(m).toString();
    }

    /**
     * A width pruning can reach inside the axis's range: the axis maximum less a whole number of the kind's groups
     * (pruning removes groups, so a block keeps max, max - g, ..., down to its last group), uniformly among them.
     */
    private static int pick(Rng r, int[] axis, UnitKind kind) {
        int lo = axis[0], hi = axis[axis.length - 1], g = kind.defaultGroupSize;
        int steps = (hi - lo) / g;
        return hi - g * r.nextInt(steps + 1);
    }
}
