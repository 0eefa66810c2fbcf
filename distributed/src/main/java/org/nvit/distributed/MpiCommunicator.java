package org.nvit.distributed;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * MPI_COMM_WORLD of Open MPI, called through java.lang.foreign. One per process ({@link #init}), initialised with
 * MPI_THREAD_SERIALIZED: calls may come from any thread, one at a time, which the methods' lock guarantees (the
 * JVM's shutdown hooks and the training thread are different threads).
 *
 * <p>Errors: Open MPI's default handler (MPI_ERRORS_ARE_FATAL) aborts the whole job on a communication error, so a
 * failed collective never returns here; the return codes are still checked, for handlers set from outside.
 */
public final class MpiCommunicator implements Communicator {
    private static MpiCommunicator instance;

    private final MpiLibrary lib;
    private final MethodHandle allreduce, bcast, barrier;
    private final MemorySegment world, floatType, byteType, sum, max, min;
    private final int rank, size;
    private boolean finalized;

    private MpiCommunicator(MpiLibrary lib) {
        this.lib = lib;
        this.allreduce = lib.fn.get("MPI_Allreduce");
        this.bcast = lib.fn.get("MPI_Bcast");
        this.barrier = lib.fn.get("MPI_Barrier");
        this.world = lib.handle.get("ompi_mpi_comm_world");
        this.floatType = lib.handle.get("ompi_mpi_float");
        this.byteType = lib.handle.get("ompi_mpi_byte");
        this.sum = lib.handle.get("ompi_mpi_op_sum");
        this.max = lib.handle.get("ompi_mpi_op_max");
        this.min = lib.handle.get("ompi_mpi_op_min");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(JAVA_INT), provided = a.allocate(JAVA_INT);
            check((int) lib.fn.get("MPI_Initialized").invokeExact(flag), "MPI_Initialized");
            if (flag.get(JAVA_INT, 0) == 0)
                check((int) lib.fn.get("MPI_Init_thread").invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                        MpiLibrary.THREAD_SERIALIZED, provided), "MPI_Init_thread");
            else
                provided.set(JAVA_INT, 0, MpiLibrary.THREAD_SERIALIZED); // someone else initialised it (a host program)
            if (provided.get(JAVA_INT, 0) < MpiLibrary.THREAD_SERIALIZED)
                throw new IllegalStateException("Open MPI provides thread level " + provided.get(JAVA_INT, 0)
                        + ", below MPI_THREAD_SERIALIZED (2) which nvit needs; use an Open MPI built with thread support");
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) lib.fn.get("MPI_Comm_rank").invokeExact(world, out), "MPI_Comm_rank");
            this.rank = out.get(JAVA_INT, 0);
            check((int) lib.fn.get("MPI_Comm_size").invokeExact(world, out), "MPI_Comm_size");
            this.size = out.get(JAVA_INT, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI initialisation failed: " + t, t);
        }
    }

    /** The process's communicator, initialising MPI on first use; throws one line naming the fix when it cannot. */
    public static synchronized MpiCommunicator init() {
        if (instance == null) instance = new MpiCommunicator(MpiLibrary.load());
        return instance;
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override public String name() { return "Open MPI (" + lib.path + ")"; }

    @Override public synchronized void allReduce(MemorySegment data, long count, Op op) {
        if (count < 0 || count * Float.BYTES > data.byteSize())
            throw new IllegalArgumentException("all-reduce of " + count + " floats in a buffer of " + data.byteSize() + " bytes");
        MemorySegment o = switch (op) { case SUM -> sum; case MAX -> max; case MIN -> min; };
        for (long done = 0; done < count; ) { // MPI counts are int
            int n = (int) Math.min(count - done, 1 << 30);
            MemorySegment at = data.asSlice(done * Float.BYTES);
            try {
                check((int) allreduce.invokeExact(MpiLibrary.IN_PLACE, at, n, floatType, o, world), "MPI_Allreduce");
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("MPI_Allreduce failed: " + t, t);
            }
            done += n;
        }
    }

    @Override public synchronized void broadcast(MemorySegment bytes, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root " + root + " outside 0.." + (size - 1));
        for (long done = 0; done < bytes.byteSize(); ) {
            int n = (int) Math.min(bytes.byteSize() - done, 1 << 30);
            try {
                check((int) bcast.invokeExact(bytes.asSlice(done), n, byteType, root, world), "MPI_Bcast");
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("MPI_Bcast failed: " + t, t);
            }
            done += n;
        }
    }

    @Override public synchronized void barrier() {
        try {
            check((int) barrier.invokeExact(world), "MPI_Barrier");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Barrier failed: " + t, t);
        }
    }

    /** Ends the whole job now with {@code code} (every rank exits): for a failure that the other ranks cannot see. */
    public synchronized void abort(int code) {
        try {
            int ignored = (int) lib.fn.get("MPI_Abort").invokeExact(world, code);
        } catch (Throwable t) {
            Runtime.getRuntime().halt(code);
        }
    }

    @Override public synchronized void close() {
        if (finalized) return;
        finalized = true;
        try {
            check((int) lib.fn.get("MPI_Finalize").invokeExact(), "MPI_Finalize");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Finalize failed: " + t, t);
        }
    }

    private void check(int code, String what) {
        if (code != MpiLibrary.SUCCESS) throw new IllegalStateException(what + " failed: " + errorString(code));
    }

    private String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(MpiLibrary.MAX_ERROR_STRING), len = a.allocate(JAVA_INT);
            int rc = (int) lib.fn.get("MPI_Error_string").invokeExact(code, s, len);
            if (rc != MpiLibrary.SUCCESS) return "MPI error " + code;
            int n = Math.max(0, Math.min(len.get(JAVA_INT, 0), MpiLibrary.MAX_ERROR_STRING));
            return new String(s.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)
                    + " (MPI error " + code + ")";
        } catch (Throwable t) {
            return "MPI error " + code;
        }
    }
}
