package org.nvit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The top-k classes per image, written as timm's inference.py writes them: CSV with one column per rank
 * ({@code filename, index_0.., label_0.., prob_0..}: its {@code --results-separate-col} layout, labels only when the
 * class names are known) or JSON keyed by file name ({@code {"a.jpg": {"index": [..], "label": [..], "prob": [..]}}}:
 * its {@code --results-format json}). Probabilities are the softmax of the model's evaluation logits.
 */
final class TopK {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private record Row(String name, int[] index, float[] prob) {}

    private final int k;
    private final List<String> classNames;
    private final List<Row> rows = new ArrayList<>();

    /** classNames: index = class, or empty when unknown. */
    TopK(int k, List<String> classNames) {
        this.k = k;
        this.classNames = classNames;
    }

    /** Adds one image from logits[off .. off + classes). */
    void add(String name, float[] logits, int off, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) max = Math.max(max, logits[off + j]);
        double[] p = new double[classes];
        double sum = 0;
        for (int j = 0; j < classes; j++) sum += p[j] = Math.exp(logits[off + j] - max);
        int[] idx = new int[k];
        float[] prob = new float[k];
        boolean[] taken = new boolean[classes];
        for (int r = 0; r < k; r++) {   // k is small: k passes, ties to the lower index (as a stable sort)
            int best = -1;
            for (int j = 0; j < classes; j++)
                if (!taken[j] && (best < 0 || p[j] > p[best] || (Double.isNaN(p[best]) && !Double.isNaN(p[j])))) best = j;
            taken[best] = true;
            idx[r] = best;
            prob[r] = (float) (p[best] / sum);
        }
        rows.add(new Row(name, idx, prob));
    }

    int size() { return rows.size(); }

    String csv() {
        StringBuilder b = new StringBuilder("filename");
        for (int r = 0; r < k; r++) b.append(",index_").append(r);
        if (!classNames.isEmpty()) for (int r = 0; r < k; r++) b.append(",label_").append(r);
        for (int r = 0; r < k; r++) b.append(",prob_").append(r);
        b.append('\n');
        for (Row row : rows) {
            b.append(field(row.name));
            for (int i : row.index) b.append(',').append(i);
            if (!classNames.isEmpty()) for (int i : row.index) b.append(',').append(field(classNames.get(i)));
            for (float p : row.prob) b.append(',').append(p);
            b.append('\n');
        }
        return b.toString();
    }

    String json() {
        ObjectNode root = JSON.createObjectNode();
        for (Row row : rows) {
            ObjectNode n = root.putObject(row.name);
            ArrayNode idx = n.putArray("index");
            for (int i : row.index) idx.add(i);
            if (!classNames.isEmpty()) {
                ArrayNode lab = n.putArray("label");
                for (int i : row.index) lab.add(classNames.get(i));
            }
            ArrayNode pr = n.putArray("prob");
            for (float p : row.prob) pr.add(p);
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 4180: quoted when it holds a comma, a quote or a line break, quotes doubled. */
    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
