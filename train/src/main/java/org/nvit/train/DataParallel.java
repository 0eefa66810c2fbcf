package org.nvit.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.distributed.Communicator;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;

/**
 * Data-parallel gradient averaging for the one training step ({@link TrainStep.GradientSync}): after backward, each
 * bucket of about {@link #BUCKET_BYTES} of gradients is packed into one buffer, summed over the ranks with one
 * all-reduce, divided by the rank count and unpacked, so every rank applies the same update, that of the global
 * batch. Two scalars ride in the last bucket at no extra message: the batch loss (the job's mean is what the step
 * returns and checks for NaN, so all ranks stop together) and a stop vote (SIGINT/SIGTERM reach the ranks at
 * different steps; a stop is taken at the first step where any rank asked for it, by all of them).
 *
 * <p>CPU gradients are packed into a native buffer that MPI reads in place. Gradients on another device go through
 * that device's {@link DeviceCollective} (NCCL on CUDA, on the backend's stream, with no host copy) when one is
 * registered, else through host copies.
 *
 * <p>Not overlapped with backward: the buckets are reduced after it. On the CPU an overlapping communication thread
 * would take a core from the compute threads that backward keeps busy (MPI's shared-memory transport polls); on
 * CUDA the NCCL calls are queued on the compute stream, so the host is not blocked but the GPU runs them after the
 * last backward kernel. Splitting them onto a second stream is the CUDA backend's part.
 */
public final class DataParallel implements TrainStep.GradientSync {
    /** PyTorch DDP's default bucket_cap_mb = 25. */
    public static final long BUCKET_BYTES = 25L << 20;
    private static final int SCALARS = 2;

    /** Sums contiguous F32 device buffers over the ranks, in place. */
    public interface DeviceCollective {
        void allReduceSum(Tensor contiguous);
    }

    private static final Map<Device, java.util.function.Function<Communicator, DeviceCollective>> DEVICES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Registers how a device's buffers are reduced (the CLI registers NCCL for CUDA). */
    public static void registerDevice(Device d, java.util.function.Function<Communicator, DeviceCollective> factory) {
        DEVICES.put(d, factory);
    }

    private final Communicator comm;
    private final long capBytes;
    private final Arena arena = Arena.ofShared();
    private GradientBuckets buckets;
    private MemorySegment staging;
    private DeviceCollective device;
    private Tensor deviceBucket;
    private boolean stopVote, stopAgreed;
    private long steps, nanos, reduceNanos;

    public DataParallel(Communicator comm) { this(comm, BUCKET_BYTES); }

    DataParallel(Communicator comm, long capBytes) {
        this.comm = comm;
        this.capBytes = capBytes;
    }

    public Communicator communicator() { return comm; }

    /** Asks the ranks to stop after the next step (the vote rides in that step's all-reduce). */
    public void voteStop(boolean stop) { stopVote |= stop; }

    /** Whether any rank voted to stop in the last step. */
    public boolean stopAgreed() { return stopAgreed; }

    @Override public double synchronize(Map<String, Var> params, double loss) {
        long t0 = System.nanoTime();
        if (buckets == null) setUp(params);
        float[] scalars = {(float) loss, stopVote ? 1 : 0};
        List<List<Var>> bs = buckets.buckets();
        for (int i = 0; i < bs.size(); i++) reduce(bs.get(i), i == bs.size() - 1 ? scalars : null);
        stopAgreed = scalars[1] > 0;
        stopVote = false;
        steps++;
        nanos += System.nanoTime() - t0;
        return scalars[0] / comm.size();
    }

    private void setUp(Map<String, Var> params) {
        buckets = GradientBuckets.of(params, capBytes);
        Var first = params.values().iterator().next();
        for (Var p : params.values())
            if (p.value().dtype() != DType.F32)
                throw new IllegalArgumentException("data-parallel training needs F32 parameters; " + p.name() + " is " + p.value().dtype());
        Device d = first.value().device();
        var factory = DEVICES.get(d);
        if (d != Device.CPU && factory != null) {
            device = factory.apply(comm);
            try (var outside = org.nvit.engine.MemoryScope.suspend()) { // lives as long as the run
                deviceBucket = Backends.of(first.value()).zeros(DType.F32, (int) (buckets.largest() + SCALARS));
            }
        } else {
            staging = arena.allocate(ValueLayout.JAVA_FLOAT, buckets.largest() + SCALARS);
        }
    }

    /** One bucket: pack, all-reduce (with the scalars appended when given), unpack divided by the rank count. */
    private void reduce(List<Var> bucket, float[] scalars) {
        if (device != null) {
            reduceOnDevice(bucket, scalars);
            return;
        }
        long at = 0;
        for (Var p : bucket) {
            Tensor g = p.grad();
            int n = (int) p.numel();
            if (g == null) staging.asSlice(at * Float.BYTES, (long) n * Float.BYTES).fill((byte) 0);
            else {
                Tensor h = g.device() == Device.CPU ? g : Backends.of(g).toCpu(g);
                MemorySegment.copy(h.floats(), h.off(), staging, ValueLayout.JAVA_FLOAT, at * Float.BYTES, n);
            }
            at += n;
        }
        if (scalars != null)
            for (float s : scalars) staging.setAtIndex(ValueLayout.JAVA_FLOAT, at++, s);
        long t0 = System.nanoTime();
        comm.allReduce(staging, at, Communicator.Op.SUM);
        reduceNanos += System.nanoTime() - t0;
        float inv = 1f / comm.size();
        at = 0;
        for (Var p : bucket) {
            Tensor g = p.grad();
            int n = (int) p.numel();
            if (g != null) {
                if (g.device() == Device.CPU) {
                    MemorySegment.copy(staging, ValueLayout.JAVA_FLOAT, at * Float.BYTES, g.floats(), g.off(), n);
                    Backends.of(g).scale(g, inv, g);
                } else {
                    float[] h = new float[n];
                    MemorySegment.copy(staging, ValueLayout.JAVA_FLOAT, at * Float.BYTES, h, 0, n);
                    Backend be = Backends.of(g);
                    be.copy(be.fromCpu(Tensor.of(h, g.shape())), g);
                    be.scale(g, inv, g);
                }
            }
            at += n;
        }
        if (scalars != null)
            for (int i = 0; i < scalars.length; i++) scalars[i] = staging.getAtIndex(ValueLayout.JAVA_FLOAT, at + i);
    }

    private void reduceOnDevice(List<Var> bucket, float[] scalars) {
        Backend be = Backends.of(deviceBucket);
        int at = 0;
        for (Var p : bucket) {
            int n = (int) p.numel();
            Tensor dst = deviceBucket.slice(at, at + n);
            if (p.grad() == null) be.fill(dst, 0f);
            else be.copy(p.grad().reshape(n), dst);
            at += n;
        }
        Tensor used = deviceBucket.slice(0, at + (scalars == null ? 0 : SCALARS));
        if (scalars != null) be.copy(be.fromCpu(Tensor.of(scalars.clone(), SCALARS)), deviceBucket.slice(at, at + SCALARS));
        long t0 = System.nanoTime();
        device.allReduceSum(used);
        reduceNanos += System.nanoTime() - t0; // enqueue time: the stream runs it in order with the kernels
        be.scale(used.slice(0, at), 1f / comm.size(), used.slice(0, at));
        int off = 0;
        for (Var p : bucket) {
            int n = (int) p.numel();
            if (p.grad() != null) be.copy(deviceBucket.slice(off, off + n), p.grad().reshape(n));
            off += n;
        }
        if (scalars != null) {
            Tensor s = be.toCpu(deviceBucket.slice(at, at + SCALARS)); // the step's one read, as the loss was
            for (int i = 0; i < SCALARS; i++) scalars[i] = (float) s.getFlat(i);
        }
    }

    /** Steps synchronised so far. */
    public long steps() { return steps; }

    /** Milliseconds per step in the whole synchronisation (pack, all-reduce, unpack). */
    public double syncMsPerStep() { return steps == 0 ? 0 : nanos / 1e6 / steps; }

    /** Milliseconds per step inside the all-reduce calls alone. */
    public double allReduceMsPerStep() { return steps == 0 ? 0 : reduceNanos / 1e6 / steps; }

    /** Forgets the timings (after warm-up steps). */
    public void resetTimings() {
        steps = 0;
        nanos = 0;
        reduceNanos = 0;
    }

    /** "N buckets, X MB of gradients per step" for the log; empty before the first step. */
    public String describe() {
        if (buckets == null) return "";
        return String.format(java.util.Locale.ROOT, "%d bucket%s of <= %d MB, %.1f MB of gradients per step", buckets.buckets().size(),
                buckets.buckets().size() == 1 ? "" : "s", capBytes >> 20, buckets.totalFloats() * 4 / 1e6);
    }
}
