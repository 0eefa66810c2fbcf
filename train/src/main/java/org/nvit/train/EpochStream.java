package org.nvit.train;

import org.nvit.data.Batch;
import org.nvit.data.DataLoader;

/**
 * A training loader's batches as one stream across epochs, from a saved position (epoch, next batch), for runs that
 * are counted in batches rather than epochs (pruning). Every batch is what an uninterrupted run would have drawn there.
 */
public final class EpochStream implements AutoCloseable {
    private final DataLoader loader;
    private DataLoader.BatchIterator it;
    private int epoch, batch;

    public EpochStream(DataLoader loader, int epoch, int batch) {
        if (loader.batchesPerEpoch() == 0)
            throw new IllegalArgumentException("the training split has fewer images than one batch of " + loader.batchSize()
                    + "; lower --batch-size");
        if (epoch < 0 || batch < 0 || batch > loader.batchesPerEpoch())
            throw new IllegalArgumentException("data position epoch " + epoch + ", batch " + batch + " is outside the data ("
                    + loader.batchesPerEpoch() + " batches per epoch)");
        this.loader = loader;
        this.epoch = epoch;
        this.batch = batch;
    }

    public Batch next() {
        if (batch == loader.batchesPerEpoch()) {
            if (it != null) it.close();
            it = null;
            epoch++;
            batch = 0;
        }
        if (it == null) it = loader.iterator(epoch, batch);
        Batch b = it.next();
        batch = b.index() + 1;
        return b;
    }

    /** The epoch of the next batch. */
    public int epoch() { return batch == loader.batchesPerEpoch() ? epoch + 1 : epoch; }

    /** The index of the next batch within {@link #epoch()}. */
    public int batch() { return batch == loader.batchesPerEpoch() ? 0 : batch; }

    @Override public void close() { if (it != null) it.close(); }
}
