package org.nvit.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The CPU backend's one dedicated pool (daemon threads, one per core, overridable with -Dnvit.threads=N).
 * {@link #forEach} splits [0, n) into at most {@code threads} contiguous chunks; small jobs run inline.
 */
public final class CpuPool {
    private static final int THREADS = Integer.getInteger("nvit.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, p -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("nvit-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    private CpuPool() {}

    public static int threads() { return THREADS; }

    /** Runs body(chunk) for chunk in [0, chunks) in parallel and waits. */
    public static void forEachChunk(int chunks, IntConsumer body) {
        if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL) {
            for (int c = 0; c < chunks; c++) body.accept(c);
            return;
        }
        POOL.invoke(new RecursiveAction() {
            @Override protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[chunks - 1];
                for (int c = 1; c < chunks; c++) {
                    final int cc = c;
                    tasks[c - 1] = new RecursiveAction() { @Override protected void compute() { body.accept(cc); } };
                    tasks[c - 1].fork();
                }
                body.accept(0);
                for (RecursiveAction t : tasks) t.join();
            }
        });
    }

    /**
     * Splits [0, n) into contiguous ranges, one per thread (fewer when n * costPerItem is small), and runs
     * body(from, to) on each.
     */
    public static void forRange(int n, long costPerItem, RangeBody body) {
        long work = (long) n * Math.max(1, costPerItem);
        int chunks = (int) Math.min(THREADS, Math.max(1, work / 32_768));
        chunks = Math.min(chunks, Math.max(1, n));
        if (chunks == 1) { body.run(0, n); return; }
        final int cks = chunks;
        forEachChunk(cks, c -> body.run((int) ((long) n * c / cks), (int) ((long) n * (c + 1) / cks)));
    }

    @FunctionalInterface
    public interface RangeBody { void run(int from, int to); }
}
