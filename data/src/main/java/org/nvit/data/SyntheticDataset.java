package org.nvit.data;

import java.util.ArrayList;
import java.util.List;
import org.nvit.engine.Rng;

/**
 * Random images (uniform in [0, 1]) and labels, generated from (seed, index) on access: no storage, any shape.
 * For benchmarks and smoke tests; there is nothing to learn.
 */
public final class SyntheticDataset implements Dataset {
    private final int n, c, h, w, classes;
    private final long seed;

    public SyntheticDataset(int n, int c, int h, int w, int classes, long seed) {
        if (n < 1 || c < 1 || h < 1 || w < 1 || classes < 1)
            throw new DataException("synthetic data needs positive size, shape and classes (got n=" + n + ", " + c + "x"
                    + h + "x" + w + ", classes=" + classes + ")");
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.classes = classes;
        this.seed = seed;
    }

    @Override public int size() { return n; }
    @Override public int numClasses() { return classes; }
    @Override public int channels() { return c; }
    @Override public int height() { return h; }
    @Override public int width() { return w; }

    @Override public List<String> classNames() {
        List<String> names = new ArrayList<>(classes);
        for (int k = 0; k < classes; k++) names.add("class" + k);
        return names;
    }

    @Override public int label(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("index " + i + " outside [0, " + n + ")");
        return (int) Math.floorMod(Rng.mix(seed ^ (0x5EEDL + i)), (long) classes);
    }

    @Override public Sample get(int i) {
        int label = label(i);
        Rng rng = new Rng(Rng.mix(seed + 31L * i));
        float[] f = new float[c * h * w];
        for (int k = 0; k < f.length; k++) f[k] = rng.nextFloat();
        return new Sample(new Image(c, h, w, f), label);
    }
}
