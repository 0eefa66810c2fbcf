package org.nvit.data;

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

    /** Throws a one-line error with the fix when a model's input channels or class count do not fit this data. */
    public void checkModel(int inChans, int modelClasses) {
        if (inChans != channels())
            throw new DataException(kind + " images have " + channels() + " channel(s) but the model expects " + inChans
                    + "; use a config with in_chans " + channels());
        if (modelClasses != numClasses())
            throw new DataException(kind + " has " + numClasses() + " classes but the model has " + modelClasses
                    + "; use a config with num_classes " + numClasses());
    }
}
