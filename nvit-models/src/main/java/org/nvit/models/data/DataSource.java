package org.nvit.models.data;

/**
 * An opened data set: its kind ({@code fashion-mnist}, {@code cifar10}, {@code imagefolder}, {@code synthetic}),
 * the train and val splits, and the per-channel normalisation statistics the transforms use.
 */
public record DataSource(String kind, Dataset train, Dataset val, float[] mean, float[] std) {
    public DataSource {
        if (train.numClasses() != val.numClasses() || train.channels() != val.channels())
            throw new DataException(kind + ": train and val splits disagree on classes or channels");
        if (mean.length != train.channels() || std.length != train.channels())
            throw new IllegalArgumentException(kind + ": mean/std need one value per channel");
        mean = mean.clone();
        std = std.clone();
    }

    public int numClasses() { return train.numClasses(); }

    public int channels() { return train.channels(); }
}
