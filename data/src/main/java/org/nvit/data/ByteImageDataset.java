package org.nvit.data;

import java.util.List;

/** In-memory images stored as uint8 (one byte per value, CHW per image), converted to floats /255 on access. */
final class ByteImageDataset implements Dataset {
    private final byte[] pixels;
    private final byte[] labels;
    private final int c, h, w, n;
    private final List<String> classNames;

    ByteImageDataset(byte[] pixels, byte[] labels, int c, int h, int w, List<String> classNames) {
        this.n = labels.length;
        if ((long) n * c * h * w != pixels.length)
            throw new IllegalArgumentException(n + " labels do not match " + pixels.length + " pixel bytes");
        for (int i = 0; i < n; i++)
            if ((labels[i] & 0xFF) >= classNames.size())
                throw new DataException("label " + (labels[i] & 0xFF) + " at record " + i + " is outside the "
                        + classNames.size() + " classes (corrupt label file?)");
        this.pixels = pixels;
        this.labels = labels;
        this.c = c;
        this.h = h;
        this.w = w;
        this.classNames = List.copyOf(classNames);
    }

    @Override public int size() { return n; }
    @Override public int numClasses() { return classNames.size(); }
    @Override public int channels() { return c; }
    @Override public int height() { return h; }
    @Override public int width() { return w; }
    @Override public List<String> classNames() { return classNames; }
    @Override public int label(int i) { return labels[checkIndex(i)] & 0xFF; }

    @Override public Sample get(int i) {
        int len = c * h * w, base = checkIndex(i) * len;
        float[] f = new float[len];
        for (int k = 0; k < len; k++) f[k] = (pixels[base + k] & 0xFF) * (1f / 255f);
        return new Sample(new Image(c, h, w, f), labels[i] & 0xFF);
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("index " + i + " outside [0, " + n + ")");
        return i;
    }
}
