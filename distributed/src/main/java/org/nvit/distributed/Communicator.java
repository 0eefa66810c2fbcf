package org.nvit.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The collectives data parallelism needs, between the {@link #size()} processes of one job: in-place all-reduce of
 * float buffers, broadcast of bytes, barrier. Every rank must make the same calls in the same order (MPI's rule);
 * buffers are native memory so that the library reads them where they are, without a copy.
 *
 * <p>Implementations: {@link SingleProcess} (size 1, every call a no-op), {@link MpiCommunicator} (Open MPI through
 * java.lang.foreign: CPU buffers, one or many machines). Device buffers go through {@link NcclCommunicator}, which
 * uses a host communicator only to hand out its unique id.
 */
public interface Communicator extends AutoCloseable {
    /** Reductions of an all-reduce. */
    enum Op { SUM, MAX, MIN }

    /** This process's rank in [0, size). */
    int rank();

    /** The number of processes in the job. */
    int size();

    /** What carries the messages (for logs), e.g. "Open MPI 4.1.4". */
    String name();

    /** Replaces {@code count} floats at {@code data} (native memory) by their reduction over all ranks. */
    void allReduce(MemorySegment data, long count, Op op);

    /** Copies {@code bytes} (native memory) from rank {@code root} to every other rank. */
    void broadcast(MemorySegment bytes, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * Ends this process's part of the job after a successful run (MPI_Finalize). A process that fails does not call
     * it: it exits, and the launcher ends the other ranks instead of leaving them waiting in a collective.
     */
    @Override void close();

    default boolean isRoot() { return rank() == 0; }

    /** {@link #allReduce(MemorySegment, long, Op)} of a heap array, through a native copy. */
    default void allReduce(float[] a, Op op) {
        if (size() == 1 || a.length == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, a.length);
            MemorySegment.copy(a, 0, s, ValueLayout.JAVA_FLOAT, 0, a.length);
            allReduce(s, a.length, op);
            MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, 0, a, 0, a.length);
        }
    }

    /** {@link #broadcast(MemorySegment, int)} of a heap array, through a native copy. */
    default void broadcast(byte[] b, int root) {
        if (root < 0 || root >= size()) throw new IllegalArgumentException("broadcast root " + root + " outside 0.." + (size() - 1));
        if (size() == 1 || b.length == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(b.length);
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
            broadcast(s, root);
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
        }
    }
}
