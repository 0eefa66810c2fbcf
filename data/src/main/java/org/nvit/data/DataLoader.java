package org.nvit.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Builds batches ahead of the consumer on a small pool of daemon threads. Each worker builds whole batches; the
 * iterator keeps up to {@code prefetch} batches in flight and hands them out in order.
 *
 * <p>Everything random is a pure function of (seed, epoch, position): the epoch order is a shuffle seeded by
 * (seed, epoch), each image's augmentation by (seed, epoch, position in the epoch) and each batch's Mixup/CutMix by
 * (seed, epoch, batch index). So batches are identical for any worker count, and {@link #iterator(int, int)} resumes
 * mid-epoch with exactly the batches an uninterrupted run would have produced.
 *
 * <p>Training loaders shuffle and drop the last partial batch; eval loaders keep the data set order and yield a
 * final smaller batch. A worker's exception reaches the consumer from {@code next()} with the original message.
 *
 * <p>Data parallelism ({@link #shard}): the ranks of a job share each global batch of ranks x batchSize images of
 * the epoch's one order; rank r builds the r-th slice. Every image keeps the augmentation of its global position, so
 * the union of the ranks' batches is exactly the single-process batch of the same global size (Mixup/CutMix, drawn
 * per batch, is applied within each rank's slice, as in DeiT's distributed training).
 */
public final class DataLoader implements AutoCloseable {
    private static final AtomicInteger POOL_ID = new AtomicInteger();

    private final Dataset dataset;
    private final Transforms.SampleTransform transform;
    private final AugmentConfig cfg;
    private final int batchSize, prefetch;
    private final boolean train;
    private final long seed;
    private final int rank, ranks;
    private final ExecutorService pool;

    /**
     * @param train shuffle, drop_last, Mixup/CutMix and smoothed targets; else data set order, remainder kept,
     *              one-hot targets
     * @param workers threads building batches (1-2 on a 2-core machine)
     * @param prefetch batches in flight ahead of the consumer (>= 1)
     */
    public DataLoader(Dataset dataset, Transforms.SampleTransform transform, AugmentConfig cfg, int batchSize,
                      boolean train, long seed, int workers, int prefetch) {
        this(dataset, transform, cfg, batchSize, train, seed, workers, prefetch, 0, 1);
    }

    private DataLoader(Dataset dataset, Transforms.SampleTransform transform, AugmentConfig cfg, int batchSize,
                       boolean train, long seed, int workers, int prefetch, int rank, int ranks) {
        if (batchSize < 1) throw new DataException("batch size must be >= 1, got " + batchSize);
        if (ranks < 1 || rank < 0 || rank >= ranks) throw new DataException("rank " + rank + " is outside a job of " + ranks);
        if (!train && ranks > 1) throw new DataException("evaluation loaders are not sharded");
        if (workers < 1) throw new DataException("--workers must be >= 1, got " + workers);
        if (prefetch < 1) throw new DataException("prefetch must be >= 1, got " + prefetch);
        if (train && dataset.size() < (long) batchSize * ranks)
            throw new DataException("the training set has " + dataset.size() + " images, fewer than one batch of "
                    + (ranks == 1 ? batchSize : batchSize + " x " + ranks + " ranks") + "; lower --batch-size");
        if (dataset.channels() != cfg.channels())
            throw new DataException("data set has " + dataset.channels() + " channels, normalisation has " + cfg.channels());
        this.dataset = dataset;
        this.transform = transform;
        this.cfg = cfg;
        this.batchSize = batchSize;
        this.train = train;
        this.seed = seed;
        this.prefetch = prefetch;
        this.rank = rank;
        this.ranks = ranks;
        int id = POOL_ID.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "nvit-data-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Batches in flight: at least 3, and one per worker so that no worker waits for the consumer. */
    private static int prefetchFor(int workers) { return Math.max(3, workers); }

    /** Training loader: train transform, shuffled, drop_last, a batch in flight per worker (at least 3). */
    public static DataLoader train(Dataset ds, AugmentConfig cfg, int batchSize, long seed, int workers) {
        return new DataLoader(ds, Transforms.train(cfg), cfg, batchSize, true, seed, workers, prefetchFor(workers));
    }

    /** Eval loader: eval transform, data set order, remainder batch kept. */
    public static DataLoader eval(Dataset ds, AugmentConfig cfg, int batchSize, int workers) {
        return new DataLoader(ds, Transforms.eval(cfg), cfg, batchSize, false, 0, workers, prefetchFor(workers));
    }

    /**
     * Rank {@code rank}'s part of a training loader for a job of {@code ranks}: per-rank batches of batchSize, global
     * batches of ranks x batchSize in the single-process order of the same seed.
     */
    public static DataLoader shard(Dataset ds, AugmentConfig cfg, int batchSize, long seed, int workers, int rank, int ranks) {
        return new DataLoader(ds, Transforms.train(cfg), cfg, batchSize, true, seed, workers, prefetchFor(workers), rank, ranks);
    }

    /** Images per batch of this rank. */
    public int batchSize() { return batchSize; }

    /** Images per step of the whole job (ranks x batchSize). */
    public int globalBatchSize() { return batchSize * ranks; }

    public int rank() { return rank; }

    public int ranks() { return ranks; }

    public Dataset dataset() { return dataset; }

    /** Batches per epoch: floor(N/B) for training (drop_last), ceil(N/B) for eval. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return train ? n / (batchSize * ranks) : (n + batchSize - 1) / batchSize;
    }

    /** The data set order for an epoch (a permutation for training, the identity for eval). */
    public int[] order(int epoch) {
        int[] o = new int[dataset.size()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        if (train) new Rng(key(seed, 0x0DE5L, epoch)).shuffle(o);
        return o;
    }

    public BatchIterator iterator(int epoch) { return iterator(epoch, 0); }

    /** Batches startBatch.. of the epoch; close it (or exhaust it) before starting another on a busy pool. */
    public BatchIterator iterator(int epoch, int startBatch) {
        if (startBatch < 0 || startBatch > batchesPerEpoch())
            throw new DataException("start batch " + startBatch + " is outside the epoch's 0.." + batchesPerEpoch());
        return new BatchIterator(epoch, startBatch);
    }

    /** Stops the worker threads; pending batches are cancelled. */
    @Override public void close() { pool.shutdownNow(); }

    /** Builds batch b of an epoch (runs on a worker). */
    Batch build(int epoch, int[] order, int b) {
        // this rank's slice of global batch b; positions (and so augmentations) are those of the single-process run
        int from = b * batchSize * ranks + rank * batchSize, to = Math.min(order.length, from + batchSize), B = to - from;
        int C = cfg.channels(), S = cfg.imageSize(), per = C * S * S, classes = dataset.numClasses();
        float[] x = new float[B * per];
        int[] labels = new int[B], idx = new int[B];
        for (int r = 0; r < B; r++) {
            int i = order[from + r];
            Sample s = dataset.get(i);
            Image img = transform.apply(s.image(), new Rng(key(seed, epoch, from + r)));
            if (img.channels() != C || img.height() != S || img.width() != S)
                throw new IllegalStateException("transform produced " + img.channels() + "x" + img.height() + "x"
                        + img.width() + ", expected " + C + "x" + S + "x" + S);
            System.arraycopy(img.data(), 0, x, r * per, per);
            labels[r] = s.label();
            idx[r] = i;
        }
        float[] t = train
                ? MixupCutmix.apply(x, labels, C, S, S, classes, cfg, new Rng(key(seed, ~(long) epoch, b)))
                : MixupCutmix.smoothTargets(labels, classes, 0);
        return new Batch(Tensor.of(x, B, C, S, S), labels, Tensor.of(t, B, classes), idx, epoch, b);
    }

    static long key(long seed, long a, long b) {
        return Rng.mix(Rng.mix(seed * 0x9E3779B97F4A7C15L + a) + b * 0xC2B2AE3D27D4EB4FL);
    }

    /** Ordered, prefetching iterator over one epoch's batches. */
    public final class BatchIterator implements Iterator<Batch>, AutoCloseable {
        private final int epoch, end;
        private final int[] order;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private int nextToSubmit;

        BatchIterator(int epoch, int start) {
            this.epoch = epoch;
            this.end = batchesPerEpoch();
            this.order = order(epoch);
            this.nextToSubmit = start;
            fill();
        }

        private void fill() {
            while (inFlight.size() < prefetch && nextToSubmit < end) {
                int b = nextToSubmit++;
                try {
                    inFlight.add(pool.submit(() -> build(epoch, order, b)));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    throw new IllegalStateException("the data loader is closed", e);
                }
            }
        }

        @Override public boolean hasNext() { return !inFlight.isEmpty(); }

        @Override public Batch next() {
            Future<Batch> f = inFlight.poll();
            if (f == null) throw new NoSuchElementException("epoch " + epoch + " has no more batches");
            try {
                Batch b = f.get();
                fill();
                return b;
            } catch (ExecutionException e) {
                close();
                Throwable c = e.getCause();
                String msg = c.getMessage() != null ? c.getMessage() : c.toString();
                throw c instanceof DataException ? new DataException(msg, c) : new IllegalStateException(msg, c);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a data batch", e);
            } catch (CancellationException e) {
                throw new IllegalStateException("the data loader was closed", e);
            }
        }

        /** Cancels the batches still in flight. */
        @Override public void close() {
            for (Future<Batch> f : inFlight) f.cancel(true);
            inFlight.clear();
            nextToSubmit = end;
        }
    }
}
