package org.nvit.data;

import java.util.List;

/**
 * A split of an image-classification data set. {@link #get} must be safe to call from several threads at once
 * (the {@link DataLoader}'s workers do). {@link #height()} and {@link #width()} are the nominal size: in-memory
 * sets (IDX, CIFAR, synthetic) return exactly that size, an image folder returns each file's own size and the
 * transforms resize it.
 */
public interface Dataset {
    int size();

    int numClasses();

    int channels();

    int height();

    int width();

    /** Class names, index = label. */
    List<String> classNames();

    /** Element i: image CHW with values in [0, 1], and label. */
    Sample get(int i);

    /** The label alone (cheap for in-memory sets). */
    default int label(int i) { return get(i).label(); }

    /** Elements [from, to) as a data set of their own (a view: nothing is copied). */
    default Dataset slice(int from, int to) {
        if (from < 0 || to > size() || from > to)
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") of a data set of " + size());
        Dataset whole = this;
        return new Dataset() {
            @Override public int size() { return to - from; }
            @Override public int numClasses() { return whole.numClasses(); }
            @Override public int channels() { return whole.channels(); }
            @Override public int height() { return whole.height(); }
            @Override public int width() { return whole.width(); }
            @Override public List<String> classNames() { return whole.classNames(); }
            @Override public Sample get(int i) { return whole.get(from + i); }
            @Override public int label(int i) { return whole.label(from + i); }
        };
    }
}
