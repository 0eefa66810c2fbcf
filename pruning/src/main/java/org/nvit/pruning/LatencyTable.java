package org.nvit.pruning;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * NViT's latency lookup table: the measured wall time of one transformer block (LN, attention, proj, LN, MLP) at a
 * fixed batch and token count, over a grid of (EMB, heads, QK, V, MLP), interpolated multilinearly (exact at grid
 * points, linear along each axis between them). Outside the grid the edge cell's slope extrapolates, which only
 * matters for dims pruned below the smallest grid value; a prediction is never negative.
 *
 * <p>Blocks whose QK and V widths are equal run as one fused qkv projection, the others as three: different kernels
 * with different costs. A table measured by this project therefore holds two grids: {@code values_s}, every point
 * timed with separate projections, and {@code fused_values_s}, the points with qk == v timed fused, over (EMB, heads,
 * QKV, MLP) with QKV the union of the QK and V axes. A block with qk == v is predicted from the fused grid, any other
 * from the separate one, so interpolation never mixes the two kernels. Tables without the fused grid (older files,
 * imported ones) use {@code values_s} for every block.
 *
 * <p>Latency of a model = sum over blocks of the table + the fixed parts (patch embedding, tokens, final norm, heads),
 * which shrink with EMB: {@code fixed_by_emb_s} holds them per EMB grid value (older files: the constant
 * {@code fixed_s}). All in seconds for one batch.
 */
public final class LatencyTable {
    public static final String[] AXES = {"emb", "heads", "qk", "v", "mlp"};
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * The file form. values_s is row-major over (emb, heads, qk, v, mlp); fused_values_s (optional) over (emb, heads,
     * qkv, mlp); fixed_by_emb_s (optional) per emb value; spread (optional) the measurement's repeat spread.
     */
    public record Data(
            @JsonProperty("format") String format,
            @JsonProperty("backend") String backend,
            @JsonProperty("device") String device,
            @JsonProperty("machine") String machine,
            @JsonProperty("created") String created,
            @JsonProperty("batch") int batch,
            @JsonProperty("tokens") int tokens,
            @JsonProperty("model") String model,
            @JsonProperty("grid") Grid grid,
            @JsonProperty("values_s") double[] valuesS,
            @JsonProperty("fixed_s") double fixedS,
            @JsonProperty("fused_values_s") double[] fusedValuesS,
            @JsonProperty("fixed_by_emb_s") double[] fixedByEmbS,
            @JsonProperty("spread") Spread spread) {
        /** A table of one grid and a constant fixed part (imported tables, tests). */
        public Data(String format, String backend, String device, String machine, String created, int batch, int tokens,
                    String model, Grid grid, double[] valuesS, double fixedS) {
            this(format, backend, device, machine, created, batch, tokens, model, grid, valuesS, fixedS, null, null, null);
        }
    }

    /** How much the repeats of the points scattered: (q3 - q1) / median, the median and the worst over all points. */
    public record Spread(@JsonProperty("median") double median, @JsonProperty("worst") double worst,
                         @JsonProperty("repeats") int repeats) {}

    public record Grid(@JsonProperty("emb") int[] emb, @JsonProperty("heads") int[] heads, @JsonProperty("qk") int[] qk,
                       @JsonProperty("v") int[] v, @JsonProperty("mlp") int[] mlp) {
        int[][] axes() { return new int[][] {emb, heads, qk, v, mlp}; }

        public long size() {
            long n = 1;
            for (int[] a : axes()) n *= a.length;
            return n;
        }

        /** The fused grid's QKV axis: the sorted union of the QK and V axes. */
        public int[] qkv() {
            return java.util.stream.IntStream.concat(java.util.Arrays.stream(qk), java.util.Arrays.stream(v)).distinct().sorted().toArray();
        }

        /** Points of the fused grid (emb, heads, qkv, mlp). */
        public long fusedSize() { return (long) emb.length * heads.length * qkv().length * mlp.length; }
    }

    private final Data data;
    private final int[][] axes, fusedAxes;

    public LatencyTable(Data data) {
        this.data = data;
        if (data.grid() == null || data.valuesS() == null)
            throw new IllegalArgumentException("latency table has no grid or values");
        this.axes = data.grid().axes();
        for (int i = 0; i < 5; i++) {
            int[] a = axes[i];
            if (a == null || a.length == 0) throw new IllegalArgumentException("latency table axis '" + AXES[i] + "' is empty");
            for (int j = 1; j < a.length; j++)
                if (a[j] <= a[j - 1]) throw new IllegalArgumentException("latency table axis '" + AXES[i] + "' is not strictly increasing");
        }
        if (data.valuesS().length != data.grid().size())
            throw new IllegalArgumentException("latency table has " + data.valuesS().length + " values but its grid needs "
                    + data.grid().size());
        checkValues(data.valuesS(), "values_s");
        if (data.fusedValuesS() != null) {
            if (data.fusedValuesS().length != data.grid().fusedSize())
                throw new IllegalArgumentException("latency table has " + data.fusedValuesS().length + " fused values but its grid needs "
                        + data.grid().fusedSize());
            checkValues(data.fusedValuesS(), "fused_values_s");
        }
        if (data.fixedByEmbS() != null) {
            if (data.fixedByEmbS().length != axes[0].length)
                throw new IllegalArgumentException("latency table has " + data.fixedByEmbS().length + " fixed-part values for "
                        + axes[0].length + " EMB grid values");
            checkValues(data.fixedByEmbS(), "fixed_by_emb_s");
        }
        if (!(data.fixedS() >= 0) || Double.isInfinite(data.fixedS()))
            throw new IllegalArgumentException("latency table's fixed_s is negative or not finite");
        this.fusedAxes = new int[][] {axes[0], axes[1], data.grid().qkv(), axes[4]};
    }

    private static void checkValues(double[] vals, String what) {
        for (double v : vals)
            if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("latency table's " + what + " holds a negative or non-finite value");
    }

    public Data data() { return data; }

    /** The fixed parts' seconds at the model's full EMB (the constant of older tables). */
    public double fixedSeconds() { return fixed(axes[0][axes[0].length - 1]); }

    /** The fixed parts (patch embedding, tokens, final norm, heads) at embedding width emb. */
    public double fixed(double emb) {
        if (data.fixedByEmbS() == null) return data.fixedS();
        return Math.max(0, interpolate(new int[][] {axes[0]}, data.fixedByEmbS(), new double[] {emb}));
    }

    /** True when the table holds the fused grid (blocks with qk == v predicted from fused timings). */
    public boolean hasFusedGrid() { return data.fusedValuesS() != null; }

    /** Block latency in seconds at (emb, heads, qk, v, mlp); real-valued dims allowed; never negative. */
    public double block(double emb, double heads, double qk, double v, double mlp) {
        double s = data.fusedValuesS() != null && qk == v
                ? interpolate(fusedAxes, data.fusedValuesS(), new double[] {emb, heads, qk, mlp})
                : interpolate(axes, data.valuesS(), new double[] {emb, heads, qk, v, mlp});
        return Math.max(0, s);
    }

    /** Multilinear interpolation (edge-cell extrapolation) of row-major values over the given axes. */
    static double interpolate(int[][] axes, double[] values, double[] x) {
        int d = axes.length;
        int[] lo = new int[d], strides = new int[d];
        double[] t = new double[d];
        int stride = 1;
        for (int i = d - 1; i >= 0; i--) { strides[i] = stride; stride *= axes[i].length; }
        for (int i = 0; i < d; i++) {
            int[] a = axes[i];
            if (a.length == 1) continue;
            int j = Arrays.binarySearch(a, (int) Math.floor(x[i]));
            if (j < 0) j = -j - 2;
            j = Math.max(0, Math.min(a.length - 2, j));
            lo[i] = j;
            t[i] = (x[i] - a[j]) / (double) (a[j + 1] - a[j]);
        }
        double sum = 0;
        for (int corner = 0; corner < (1 << d); corner++) {
            double w = 1;
            int idx = 0;
            for (int i = 0; i < d; i++) {
                int bit = (corner >> i) & 1;
                if (axes[i].length == 1) { if (bit == 1) { w = 0; break; } continue; }
                w *= bit == 1 ? t[i] : 1 - t[i];
                idx += (lo[i] + bit) * strides[i];
            }
            if (w != 0) sum += w * values[idx];
        }
        return sum;
    }

    /**
     * The grid steps along which the measured latency falls by more than {@code tol} (relative) although one axis
     * grows: a block with more units should not be faster, so these are measurement noise (or a kernel switch).
     */
    public java.util.List<String> monotonicityViolations(double tol) {
        java.util.List<String> out = new java.util.ArrayList<>();
        violations(axes, data.valuesS(), AXES, tol, "", out);
        if (data.fusedValuesS() != null) violations(fusedAxes, data.fusedValuesS(), new String[] {"emb", "heads", "qkv", "mlp"}, tol, "fused ", out);
        return out;
    }

    private static void violations(int[][] axes, double[] vals, String[] names, double tol, String what, java.util.List<String> out) {
        int d = axes.length;
        int[] strides = strides(axes);
        forEachViolation(axes, vals, tol, (idx, i) -> {
            int pos = (idx / strides[i]) % axes[i].length;
            StringBuilder at = new StringBuilder();
            for (int k = 0; k < d; k++)
                if (k != i) at.append(at.isEmpty() ? "" : ", ").append(names[k]).append(' ').append(axes[k][(idx / strides[k]) % axes[k].length]);
            out.add(String.format(java.util.Locale.ROOT, "%s%s %d -> %d: %.4g -> %.4g s (at %s)", what, names[i],
                    axes[i][pos], axes[i][pos + 1], vals[idx], vals[idx + strides[i]], at));
        });
    }

    /**
     * Indices of the points (row-major over axes) that are more than {@code tol} slower than their neighbour one step
     * up some axis: the suspects of a non-monotone step, since a disturbance (a JIT recompilation, another process)
     * only ever adds time.
     */
    static int[] slowerThanALargerNeighbour(int[][] axes, double[] vals, double tol) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        forEachViolation(axes, vals, tol, (idx, axis) -> out.add(idx));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private interface Violation { void at(int idx, int axis); }

    private static void forEachViolation(int[][] axes, double[] vals, double tol, Violation v) {
        int[] strides = strides(axes);
        for (int idx = 0; idx < vals.length; idx++)
            for (int i = 0; i < axes.length; i++) {
                int pos = (idx / strides[i]) % axes[i].length;
                if (pos + 1 < axes[i].length && vals[idx + strides[i]] < vals[idx] * (1 - tol)) v.at(idx, i);
            }
    }

    /** Row-major strides of a grid with these axes (the last axis varies fastest). */
    static int[] strides(int[][] axes) {
        int[] strides = new int[axes.length];
        int stride = 1;
        for (int i = axes.length - 1; i >= 0; i--) { strides[i] = stride; stride *= axes[i].length; }
        return strides;
    }

    public double block(int emb, BlockSpec b) { return block(emb, b.heads(), b.qkDim(), b.vDim(), b.mlpDim()); }

    /** Predicted latency of a whole model: sum over blocks plus the fixed parts at its EMB. */
    public double model(VitConfig cfg) {
        double s = fixed(cfg.embedDim());
        for (BlockSpec b : cfg.blocks()) s += block(cfg.embedDim(), b);
        return s;
    }

    /**
     * Refuses a table that cannot describe this model: other token count, or a grid that does not span the model's
     * dims. The message names what differs and how to rebuild.
     */
    public void checkCovers(VitConfig cfg) {
        String fix = " (rebuild it with: nvit lut build --config <model> --output lut.json)";
        if (data.tokens() != cfg.numTokens())
            throw new IllegalArgumentException("latency table was measured at " + data.tokens() + " tokens but the model has "
                    + cfg.numTokens() + fix);
        check("emb", cfg.embedDim(), fix);
        for (BlockSpec b : cfg.blocks()) {
            check("heads", b.heads(), fix);
            check("qk", b.qkDim(), fix);
            check("v", b.vDim(), fix);
            check("mlp", b.mlpDim(), fix);
        }
    }

    private void check(String axis, int value, String fix) {
        int[] a = axes[Arrays.asList(AXES).indexOf(axis)];
        if (value > a[a.length - 1] || value < a[0])
            throw new IllegalArgumentException("latency table's " + axis + " axis spans " + a[0] + ".." + a[a.length - 1]
                    + " but the model has " + axis + " = " + value + fix);
    }

    public void save(Path file) throws IOException {
        org.nvit.weights.AtomicFiles.writeString(file, JSON.writeValueAsString(data));
    }

    public static LatencyTable load(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file + " (build one with: nvit lut build --output " + file + ")");
        Data d;
        try {
            d = JSON.readValue(org.nvit.weights.InputFiles.readText(file, "a latency table (JSON)", 64L << 20), Data.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + " is not a latency table JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        return new LatencyTable(d);
    }
}
