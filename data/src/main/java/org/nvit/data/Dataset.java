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
}
