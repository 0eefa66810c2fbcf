package org.nvit.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * An NCCL communicator over the same ranks as a host {@link Communicator}, for buffers in GPU memory. Rank 0 makes
 * the unique id (ncclGetUniqueId), the host communicator broadcasts its 128 bytes, and every rank joins with
 * ncclCommInitRank on the CUDA device current on its thread (select it before: one GPU per rank). Collectives are
 * enqueued on the caller's CUDA stream (the backend's) and return at once; the stream orders them with the kernels
 * before and after, so the optimizer's kernels see reduced gradients without a host synchronisation.
 */
public final class NcclCommunicator implements AutoCloseable {
    private final NcclLibrary lib;
    private final MethodHandle allReduce, broadcast;
    private final MemorySegment comm;
    private final int rank, size;
    private boolean closed;

    private NcclCommunicator(NcclLibrary lib, Communicator host) {
        this.lib = lib;
        this.allReduce = lib.fn.get("ncclAllReduce");
        this.broadcast = lib.fn.get("ncclBroadcast");
        this.rank = host.rank();
        this.size = host.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(NcclLibrary.UNIQUE_ID);
            if (rank == 0) check((int) lib.fn.get("ncclGetUniqueId").invokeExact(id), "ncclGetUniqueId");
            host.broadcast(id, 0);
            MemorySegment out = a.allocate(ADDRESS);
            check((int) lib.fn.get("ncclCommInitRank").invokeExact(out, size, id, rank), "ncclCommInitRank");
            this.comm = out.get(ADDRESS, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NCCL initialisation failed: " + t, t);
        }
    }

    /** Joins every rank of {@code host} into one NCCL communicator (a collective call: every rank must make it). */
    public static NcclCommunicator create(Communicator host) { return new NcclCommunicator(NcclLibrary.load(), host); }

    public int rank() { return rank; }

    public int size() { return size; }

    /** The NCCL version as NCCL codes it (e.g. 22304 for 2.23.4). */
    public int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) lib.fn.get("ncclGetVersion").invokeExact(v), "ncclGetVersion");
            return v.get(JAVA_INT, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ncclGetVersion failed: " + t, t);
        }
    }

    public String name() { return "NCCL " + version() + " (" + lib.path + ")"; }

    /** In-place all-reduce of {@code count} floats at device address {@code data}, enqueued on {@code stream}. */
    public void allReduce(long data, long count, Communicator.Op op, long stream) {
        int o = switch (op) { case SUM -> NcclLibrary.SUM; case MAX -> NcclLibrary.MAX; case MIN -> NcclLibrary.MIN; };
        MemorySegment p = MemorySegment.ofAddress(data);
        try {
            check((int) allReduce.invokeExact(p, p, count, NcclLibrary.FLOAT32, o, comm, MemorySegment.ofAddress(stream)),
                    "ncclAllReduce");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ncclAllReduce failed: " + t, t);
        }
    }

    /** In-place broadcast of {@code bytes} at device address {@code data} from {@code root}, enqueued on {@code stream}. */
    public void broadcast(long data, long bytes, int root, long stream) {
        MemorySegment p = MemorySegment.ofAddress(data);
        try {
            check((int) broadcast.invokeExact(p, p, bytes, NcclLibrary.UINT8, root, comm, MemorySegment.ofAddress(stream)),
                    "ncclBroadcast");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ncclBroadcast failed: " + t, t);
        }
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            check((int) lib.fn.get("ncclCommDestroy").invokeExact(comm), "ncclCommDestroy");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ncclCommDestroy failed: " + t, t);
        }
    }

    private void check(int result, String what) {
        if (result == NcclLibrary.SUCCESS) return;
        String msg;
        try {
            MemorySegment s = (MemorySegment) lib.fn.get("ncclGetErrorString").invokeExact(result);
            msg = s.reinterpret(512).getString(0);
        } catch (Throwable t) {
            msg = "ncclResult_t " + result;
        }
        throw new IllegalStateException(what + " failed: " + msg + " (ncclResult_t " + result + ")");
    }
}
