package org.nvit.pruning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nvit.weights.InputFiles;

/**
 * Reads the official NViT latency table ({@code latency_head.json}, nvit-paper.md 3.2): nested objects
 * {@code d["EMB_e"]["QK_{H}_{qk}"]["V_v"]["MLP_m"]} holding the seconds of one block on a V100 at batch 256. It becomes
 * our table as the official code interpolates it: an all-zero EMB = 0 slice below the smallest EMB (latency linear down
 * to 0), and the MLP = 1 measurement placed at MLP = 0. The file has no fixed part (patch embedding, head), so model
 * latencies are sums of blocks, as in the paper's code.
 */
public final class NvitTableImport {
    private NvitTableImport() {}

    private static final Pattern EMB = Pattern.compile("EMB_(\\d+)"), QK = Pattern.compile("QK_(\\d+)_(\\d+)"),
            V = Pattern.compile("V_(\\d+)"), MLP = Pattern.compile("MLP_(\\d+)");
    private static final int MAX_POINTS = 10_000_000;

    public static LatencyTable read(Path file, int tokens, int batch) throws IOException {
        if (tokens < 1 || batch < 1) throw new IllegalArgumentException("--tokens and --batch-size must be >= 1");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(InputFiles.readText(file, "NViT's latency_head.json", 256L << 20));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        TreeSet<Integer> embs = new TreeSet<>(), heads = new TreeSet<>(), qks = new TreeSet<>(), vs = new TreeSet<>(), mlps = new TreeSet<>();
        walk(file, root, (e, h, q, v, m, sec) -> {
            embs.add(e); heads.add(h); qks.add(q); vs.add(v); mlps.add(m);
        });
        if (embs.isEmpty()) throw new IllegalArgumentException(file + " holds no EMB_*/QK_*_*/V_*/MLP_* entries: not NViT's latency table");
        int[] emb = prepend0(embs), h = ints(heads), qk = ints(qks), v = ints(vs), mlp = ints(mlps);
        if (mlp[0] == 1) mlp[0] = 0; // the official interpolator's grid: MLP = 0 holds the MLP = 1 measurement
        long size = (long) emb.length * h.length * qk.length * v.length * mlp.length;
        if (size > MAX_POINTS) throw new IllegalArgumentException(file + " spans " + size + " grid points, more than " + MAX_POINTS);
        double[] vals = new double[(int) size];
        boolean[] seen = new boolean[vals.length];
        int sh = qk.length * v.length * mlp.length, sq = v.length * mlp.length, sv = mlp.length;
        walk(file, root, (e, hh, q, vv, m, sec) -> {
            if (m == 1 && mlp[0] == 0) m = 0;
            int idx = index(emb, e) * h.length * sh + index(h, hh) * sh + index(qk, q) * sq + index(v, vv) * sv + index(mlp, m);
            vals[idx] = sec;
            seen[idx] = true;
        });
        int missing = 0;
        String first = null;
        int perEmb = h.length * sh;
        for (int i = perEmb; i < vals.length; i++) // the EMB = 0 slice is ours (zeros)
            if (!seen[i]) {
                missing++;
                if (first == null) first = describe(i, emb, h, qk, v, mlp);
            }
        if (missing > 0)
            throw new IllegalArgumentException(file + " is not a full grid: " + missing + " entries missing, e.g. " + first);
        return new LatencyTable(new LatencyTable.Data("nvit-lut-2", "imported NViT latency_head.json", "gpu",
                "the table's own (the official one: a V100)", "imported " + java.time.Instant.now(), batch, tokens,
                file.getFileName().toString(), new LatencyTable.Grid(emb, h, qk, v, mlp), vals, 0));
    }

    private interface Entry { void accept(int emb, int heads, int qk, int v, int mlp, double seconds); }

    private static void walk(Path file, JsonNode root, Entry out) {
        for (Iterator<Map.Entry<String, JsonNode>> a = fields(file, root, "the top level"); a.hasNext(); ) {
            var ea = a.next();
            int e = one(file, EMB, ea.getKey());
            for (Iterator<Map.Entry<String, JsonNode>> b = fields(file, ea.getValue(), ea.getKey()); b.hasNext(); ) {
                var eb = b.next();
                Matcher qm = QK.matcher(eb.getKey());
                if (!qm.matches()) throw new IllegalArgumentException(file + ": unexpected key '" + eb.getKey() + "' under " + ea.getKey() + " (want QK_{heads}_{qk})");
                int h = positive(file, qm.group(1), eb.getKey()), q = positive(file, qm.group(2), eb.getKey());
                for (Iterator<Map.Entry<String, JsonNode>> c = fields(file, eb.getValue(), eb.getKey()); c.hasNext(); ) {
                    var ec = c.next();
                    int v = one(file, V, ec.getKey());
                    for (Iterator<Map.Entry<String, JsonNode>> d = fields(file, ec.getValue(), ec.getKey()); d.hasNext(); ) {
                        var ed = d.next();
                        int m = one(file, MLP, ed.getKey());
                        double sec = ed.getValue().asDouble(Double.NaN);
                        if (!ed.getValue().isNumber() || !(sec >= 0) || Double.isInfinite(sec))
                            throw new IllegalArgumentException(file + ": " + ea.getKey() + "/" + eb.getKey() + "/" + ec.getKey() + "/"
                                    + ed.getKey() + " is not a non-negative number of seconds");
                        out.accept(e, h, q, v, m, sec);
                    }
                }
            }
        }
    }

    private static Iterator<Map.Entry<String, JsonNode>> fields(Path file, JsonNode n, String where) {
        if (!n.isObject()) throw new IllegalArgumentException(file + ": " + where + " is not an object");
        return n.properties().iterator();
    }

    private static int one(Path file, Pattern p, String key) {
        Matcher m = p.matcher(key);
        if (!m.matches()) throw new IllegalArgumentException(file + ": unexpected key '" + key + "' (want " + p.pattern().replace("(\\d+)", "N") + ")");
        return positive(file, m.group(1), key);
    }

    private static int positive(Path file, String digits, String key) {
        try {
            int v = Integer.parseInt(digits);
            if (v >= 1 && v <= 1 << 20) return v;
        } catch (NumberFormatException ignored) { // too long: refused below
        }
        throw new IllegalArgumentException(file + ": '" + key + "' holds a dimension outside 1.." + (1 << 20));
    }

    private static int[] ints(TreeSet<Integer> s) { return s.stream().mapToInt(Integer::intValue).toArray(); }

    private static int[] prepend0(TreeSet<Integer> s) {
        int[] a = new int[s.size() + 1];
        int i = 1;
        for (int x : s) a[i++] = x;
        return a;
    }

    private static int index(int[] axis, int value) { return java.util.Arrays.binarySearch(axis, value); }

    private static String describe(int idx, int[]... axes) {
        String[] names = {"EMB", "heads", "QK", "V", "MLP"};
        int[] pos = new int[axes.length];
        for (int i = axes.length - 1; i >= 0; i--) { pos[i] = idx % axes[i].length; idx /= axes[i].length; }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < axes.length; i++) b.append(i == 0 ? "" : ", ").append(names[i]).append(' ').append(axes[i][pos[i]]);
        return b.toString();
    }
}
