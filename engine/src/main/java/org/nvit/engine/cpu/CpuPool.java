package org.nvit.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The CPU backend's thread pool: {@code threads - 1} daemon workers plus the calling thread, one per core
 * (overridable with -Dnvit.threads=N). A job's chunks are claimed one at a time from a shared counter, so a thread
 * slowed down by another process simply claims fewer.
 *
 * <p>Why not a ForkJoinPool: a training step of a small model makes hundreds of parallel calls of 0.05-1 ms each, and
 * waking parked pool threads for every call cost ~35 us per call on these VMs (10-15% of a step). Workers here spin
 * for {@link #SPIN_NANOS} after a job before they park, so the next op's chunks are picked up within a microsecond,
 * and the caller works on its own chunks instead of sleeping until the workers are done.
 *
 * <p>One job runs at a time. A call from a worker, from inside a chunk, or from a second thread while a job is
 * running executes its chunks inline on the calling thread: correct, only not parallel.
 */
public final class CpuPool {
    private static final int THREADS = Math.max(1, Integer.getInteger("nvit.threads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker (and a caller waiting for the last chunks) spins before it parks (yields). */
    static final long SPIN_NANOS = Long.getLong("nvit.pool.spinNanos", 200_000);

    private static final ReentrantLock SUBMIT = new ReentrantLock();
    private static volatile Job current;
    private static final Worker[] WORKERS = new Worker[THREADS - 1];

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private CpuPool() {}

    public static int threads() { return THREADS; }

    /** Runs body(chunk) for chunk in [0, chunks) in parallel and waits; an exception in a chunk is rethrown here. */
    public static void forEachChunk(int chunks, IntConsumer body) {
        if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof Worker || SUBMIT.isHeldByCurrentThread()
                || !SUBMIT.tryLock()) {
            for (int c = 0; c < chunks; c++) body.accept(c);
            return;
        }
        Job job = new Job(body, chunks);
        try {
            current = job;
            for (Worker w : WORKERS) if (w.parked) LockSupport.unpark(w);
            job.work();
            long t0 = System.nanoTime();
            while (job.done.get() < chunks) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();   // a long chunk on another thread: let other processes' threads run meanwhile
            }
        } finally {
            current = null;
            SUBMIT.unlock();
        }
        Throwable e = job.error;
        if (e instanceof RuntimeException re) throw re;
        if (e instanceof Error err) throw err;
        if (e != null) throw new IllegalStateException(e);
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

    /** One parallel call: chunks are claimed from {@code next}; {@code done} counts finished ones (failed ones too). */
    private static final class Job {
        final IntConsumer body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable error;

        Job(IntConsumer body, int chunks) { this.body = body; this.chunks = chunks; }

        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    if (error == null) body.accept(c);
                } catch (Throwable t) {
                    synchronized (this) { if (error == null) error = t; }
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("nvit-cpu-" + index);
            setDaemon(true);
        }

        @Override public void run() {
            Job last = null;
            while (true) {
                Job job = current;
                if (job != null && job != last) {
                    last = job;
                    job.work();
                    continue;
                }
                long t0 = System.nanoTime();
                while ((job = current) == null || job == last) {
                    if (System.nanoTime() - t0 < SPIN_NANOS) {
                        Thread.onSpinWait();
                        continue;
                    }
                    // Announce the park, then look again: a caller that published a job before seeing the flag is
                    // caught by the second look; one that publishes after sees the flag and unparks us.
                    parked = true;
                    job = current;
                    if (job == null || job == last) LockSupport.park(this);
                    parked = false;
                    t0 = System.nanoTime();
                }
            }
        }
    }
}
