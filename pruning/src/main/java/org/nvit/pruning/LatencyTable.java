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
 * matters for dims pruned below the smallest grid value.
 *
 * <p>Latency of a model = sum over blocks of the table + {@link #fixedSeconds} (patch embedding, tokens, final norm,
 * heads), all in seconds for one batch.
 */
public final class LatencyTable {
    public static final String[] AXES = {"emb", "heads", "qk", "v", "mlp"};
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The file form. values_s is row-major over (emb, heads, qk, v, mlp). */
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
            @JsonProperty("fixed_s") double fixedS) {}

    public record Grid(@JsonProperty("emb") int[] emb, @JsonProperty("heads") int[] heads, @JsonProperty("qk") int[] qk,
                       @JsonProperty("v") int[] v, @JsonProperty("mlp") int[] mlp) {
        int[][] axes() { return new int[][] {emb, heads, qk, v, mlp}; }

        public long size() {
            long n = 1;
            for (int[] a : axes()) n *= a.length;
            return n;
        }
    }

    private final Data data;
    private final int[][] axes;
    private final int[] strides = new int[5];

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
        for (double v : data.valuesS())
            if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("latency table holds a negative or non-finite value");
        int s = 1;
        for (int i = 4; i >= 0; i--) { strides[i] = s; s *= axes[i].length; }
    }

    public Data data() { return data; }

    public double fixedSeconds() { return data.fixedS(); }

    /** Block latency in seconds at (emb, heads, qk, v, mlp); real-valued dims allowed. */
    public double block(double emb, double heads, double qk, double v, double mlp) {
        double[] x = {emb, heads, qk, v, mlp};
        int[] lo = new int[5];
        double[] t = new double[5];
        for (int i = 0; i < 5; i++) {
            int[] a = axes[i];
            if (a.length == 1) { lo[i] = 0; t[i] = 0; continue; }
            int j = Arrays.binarySearch(a, (int) Math.floor(x[i]));
            if (j < 0) j = -j - 2;
            j = Math.max(0, Math.min(a.length - 2, j));
            lo[i] = j;
            t[i] = (x[i] - a[j]) / (double) (a[j + 1] - a[j]);
        }
        double sum = 0;
        for (int corner = 0; corner < 32; corner++) {
            double w = 1;
            int idx = 0;
            for (int i = 0; i < 5; i++) {
                int bit = (corner >> i) & 1;
                if (axes[i].length == 1) { if (bit == 1) { w = 0; break; } continue; }
                w *= bit == 1 ? t[i] : 1 - t[i];
                idx += (lo[i] + bit) * strides[i];
            }
            if (w != 0) sum += w * data.valuesS()[idx];
        }
        return sum;
    }

    public double block(int emb, BlockSpec b) { return block(emb, b.heads(), b.qkDim(), b.vDim(), b.mlpDim()); }

    /** Predicted latency of a whole model: sum over blocks plus the fixed parts. */
    public double model(VitConfig cfg) {
        double s = data.fixedS();
        for (BlockSpec b : cfg.blocks()) s += block(cfg.embedDim(), b);
        return s;
    }

    /**
     * Refuses a table that cannot describe this model: other token count, or a grid that does not span the model's
     * dims. The message names what differs and how to rebuild.
     */
    public void checkCovers(VitConfig cfg) {
        String fix = " (rebuild it with: nvit lut build --config <model> --out lut.json)";
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
        if (!Files.exists(file)) throw new NoSuchFileException(file + " (build one with: nvit lut build --out " + file + ")");
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
