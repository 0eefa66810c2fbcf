package org.nvit.distributed;

import java.lang.foreign.MemorySegment;

/** The job of one process: rank 0 of 1, and every collective leaves its buffer as it is. */
public final class SingleProcess implements Communicator {
    public static final SingleProcess INSTANCE = new SingleProcess();

    private SingleProcess() {}

    @Override public int rank() { return 0; }

    @Override public int size() { return 1; }

    @Override public String name() { return "single process"; }

    @Override public void allReduce(MemorySegment data, long count, Op op) {
        if (count < 0 || count * Float.BYTES > data.byteSize())
            throw new IllegalArgumentException("all-reduce of " + count + " floats in a buffer of " + data.byteSize() + " bytes");
    }

    @Override public void broadcast(MemorySegment bytes, int root) {
        if (root != 0) throw new IllegalArgumentException("broadcast root " + root + " outside the job's 1 rank");
    }

    @Override public void barrier() {}

    @Override public void close() {}
}
