package org.nvit.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.CpuStorage;
import org.nvit.engine.DType;
import org.nvit.engine.DeviceCounters;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Storage;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuBackend;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.FusedAttention;
import org.nvit.engine.fused.FusedLinear;
import org.nvit.engine.fused.FusedNorm;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.engine.fused.TokenOps;
import org.nvit.engine.ref.ReferenceAttention;
import org.nvit.kernels.Precision;

/**
 * A stand-in for the GPU on machines without one: a backend for {@link Device#CUDA} whose tensors live in a storage
 * that is not {@link CpuStorage} (so {@code Tensor.floats()} fails on them as it does on real device tensors) and
 * whose every op insists that all its tensor arguments are device tensors, then runs the CPU backend's kernel on the
 * same arrays; like CUDA storages, those allocated in a memory scope die with it. It offers the fused capabilities the
 * CUDA backend has (the composites, and the reference attention, on the same arrays), so that autograd's fused paths
 * run here too. Device-resident code that leaks a host tensor into a device op, or reads a device tensor as a host
 * array, fails here as it would on the GPU; code that is right computes exactly what the CPU computes.
 */
final class FakeDevice {
    private FakeDevice() {}

    /**
     * Device memory: a float array that only the fake backend unwraps. Allocated inside a {@link MemoryScope}, it is
     * released when the scope closes, as the CUDA backend's storages are; any later use fails.
     */
    static final class FakeStorage extends Storage {
        private final float[] a;
        private boolean released;

        FakeStorage(float[] a) {
            super(DType.F32, a.length);
            this.a = a;
            MemoryScope scope = MemoryScope.current();
            if (scope != null) scope.own(this, () -> released = true);
        }

        float[] array() {
            if (released) throw new IllegalStateException("device tensor used after its memory scope closed");
            return a;
        }

        @Override public Device device() { return Device.CUDA; }

        /** One element read from the host: a synchronous device-to-host copy on a real GPU, so it is counted. */
        @Override public double get(long i) {
            ELEMENT_READS.incrementAndGet();
            D2H_BYTES.addAndGet(4);
            return array()[Math.toIntExact(i)];
        }

        @Override public void set(long i, double v) {
            ELEMENT_WRITES.incrementAndGet();
            H2D_BYTES.addAndGet(4);
            array()[Math.toIntExact(i)] = (float) v;
        }
    }

    /** Counts of ops run and host<->device copies, to show the work really went through the device. */
    static final AtomicLong OPS = new AtomicLong(), UPLOADS = new AtomicLong(), DOWNLOADS = new AtomicLong();
    /** Single elements read or written from the host (each a synchronous transfer on a real GPU). */
    static final AtomicLong ELEMENT_READS = new AtomicLong(), ELEMENT_WRITES = new AtomicLong();
    /**
     * The device's work as {@link DeviceCounters} reports it on the GPU: each op is one kernel launch (a GEMM one
     * library call, zeros an allocation and a fill), each host read a device-to-host copy, synchronize a sync.
     */
    static final AtomicLong LAUNCHES = new AtomicLong(), GEMMS = new AtomicLong(), SYNCS = new AtomicLong(),
            ALLOCATIONS = new AtomicLong(), H2D_BYTES = new AtomicLong(), D2H_BYTES = new AtomicLong();

    static final DeviceCounters COUNTERS = () -> new DeviceCounters.Counts(LAUNCHES.get(), GEMMS.get(), SYNCS.get(),
            UPLOADS.get() + ELEMENT_WRITES.get(), H2D_BYTES.get(), DOWNLOADS.get() + ELEMENT_READS.get(), D2H_BYTES.get(),
            ALLOCATIONS.get(), ALLOCATIONS.get());

    static final Backend BACKEND = create();

    /** A {@link Devices.Gpu} that offers the fake device (present) or nothing (absent, with a reason). */
    static Devices.Gpu gpu(boolean present) {
        return new Devices.Gpu() {
            @Override public Optional<Backend> open(Precision p) { return present ? Optional.of(BACKEND) : Optional.empty(); }

            @Override public String unavailableReason() { return "no CUDA driver (test double)"; }
        };
    }

    /** Re-registers the real CUDA backend if one exists (the registry has no unregister; the fake stays otherwise). */
    static void restoreRegistry() {
        org.nvit.kernels.CudaBackend.tryCreate().ifPresent(Backends::register);
    }

    private static Backend create() {
        Backend cpu = CpuBackend.instance();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "name" -> "fake-cuda(strict)";
                    case "device" -> Device.CUDA;
                    case "capability" -> capability((Class<?>) args[0], cpu);
                    case "zeros", "empty" -> {
                        if (args[0] != DType.F32) throw new IllegalArgumentException("the fake device holds F32 only");
                        ALLOCATIONS.incrementAndGet();
                        if (m.getName().equals("zeros")) LAUNCHES.incrementAndGet();
                        yield new Tensor(new FakeStorage(new float[Math.toIntExact(Shape.numel((int[]) args[1]))]), 0, (int[]) args[1]);
                    }
                    case "fromCpu" -> {
                        Tensor t = (Tensor) args[0];
                        if (t.device() != Device.CPU) throw new IllegalStateException("fromCpu of a device tensor " + t);
                        UPLOADS.incrementAndGet();
                        H2D_BYTES.addAndGet(4 * t.numel());
                        ALLOCATIONS.incrementAndGet();
                        yield new Tensor(new FakeStorage(t.toFloatArray()), 0, t.shape());
                    }
                    case "toCpu" -> {
                        float[] a = ((FakeStorage) device((Tensor) args[0], "toCpu").storage()).array();
                        Tensor t = (Tensor) args[0];
                        float[] c = new float[Math.toIntExact(t.numel())];
                        System.arraycopy(a, Math.toIntExact(t.offset()), c, 0, c.length);
                        DOWNLOADS.incrementAndGet();
                        D2H_BYTES.addAndGet(4L * c.length);
                        yield Tensor.of(c, t.shape());
                    }
                    case "synchronize" -> {
                        SYNCS.incrementAndGet();
                        yield null;
                    }
                    case "hashCode", "equals", "toString" -> m.getName().equals("synchronize") ? null
                            : m.getName().equals("hashCode") ? System.identityHashCode(proxy)
                            : m.getName().equals("equals") ? proxy == args[0] : "fake-cuda(strict)";
                    default -> run(cpu, m, args);
                });
    }

    /** The fused capabilities the GPU has, each call one launch: the composite (or the reference) on the same arrays. */
    static final java.util.Set<Class<?>> FUSED = java.util.Set.of(TokenOps.class, MultiTensor.class, DeviceScalars.class,
            FusedLinear.class, FusedNorm.class, FusedAttention.class);

    private static Optional<?> capability(Class<?> kind, Backend cpu) throws Exception {
        if (kind == DeviceCounters.class) return Optional.of(COUNTERS);
        if (!FUSED.contains(kind)) return Optional.empty();
        Object impl = kind == FusedAttention.class ? ReferenceAttention.INSTANCE
                : kind.getMethod("composite", Backend.class).invoke(null, cpu);
        return Optional.of(Proxy.newProxyInstance(kind.getClassLoader(), new Class<?>[] {kind}, (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) return m.invoke(impl, args);
            Object[] host = args == null ? null : args.clone();
            boolean tensors = false;
            for (int i = 0; host != null && i < host.length; i++) {
                Object a = host[i];
                if (a instanceof Tensor t) host[i] = unwrap(t, m.getName());
                else if (a instanceof Tensor[] ts) {
                    Tensor[] u = new Tensor[ts.length];
                    for (int j = 0; j < ts.length; j++) u[j] = unwrap(ts[j], m.getName());
                    host[i] = u;
                } else if (a instanceof FusedAttention.Operand o) {
                    host[i] = new FusedAttention.Operand(unwrap(o.t(), m.getName()), o.col(), o.ld());
                } else if (a instanceof FusedAttention.Grad g) {
                    host[i] = new FusedAttention.Grad(unwrap(g.t(), m.getName()), g.col(), g.ld(), g.beta());
                } else continue;
                tensors = true;
            }
            if (tensors) {
                OPS.incrementAndGet();
                LAUNCHES.incrementAndGet();
            }
            try {
                return m.invoke(impl, host);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    private static Object run(Backend cpu, Method m, Object[] args) throws Throwable {
        Object[] host = args.clone();
        for (int i = 0; i < host.length; i++) {
            if (host[i] instanceof Tensor t) host[i] = unwrap(t, m.getName());
            else if (host[i] instanceof Tensor[] ts) {
                Tensor[] u = new Tensor[ts.length];
                for (int j = 0; j < ts.length; j++) u[j] = unwrap(ts[j], m.getName());
                host[i] = u;
            }
        }
        OPS.incrementAndGet();
        (m.getName().equals("gemm") || m.getName().equals("matmul") ? GEMMS : LAUNCHES).incrementAndGet();
        try {
            return m.invoke(cpu, host);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Tensor device(Tensor t, String op) {
        if (!(t.storage() instanceof FakeStorage))
            throw new IllegalStateException("host tensor " + t + " passed to device op " + op + ": move it with fromCpu first");
        return t;
    }

    /** The same elements as a CPU tensor view (shares the array, so the op's writes land in device memory). */
    private static Tensor unwrap(Tensor t, String op) {
        if (t == null) return null;
        return new Tensor(new CpuStorage(((FakeStorage) device(t, op).storage()).array()), t.offset(), t.shape());
    }
}
