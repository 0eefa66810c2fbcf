package org.nvit.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT/SIGTERM for a run loop: the JVM's shutdown hook asks the loop to stop at the next step boundary and waits
 * (at most two minutes) until the loop has written its checkpoint and said so with {@link #close}. Use with
 * try-with-resources around the loop.
 */
public final class StopSignal implements AutoCloseable {
    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onSignal, "nvit-checkpoint-on-exit");

    public StopSignal() { Runtime.getRuntime().addShutdownHook(hook); }

    /** True once a signal asked the run to stop. */
    public boolean requested() { return requested; }

    private void onSignal() {
        requested = true;
        try {
            finished.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) { // the hook is running: it has been released above
        }
    }
}
