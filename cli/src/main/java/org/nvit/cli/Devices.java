package org.nvit.cli;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.kernels.CudaBackend;
import org.nvit.kernels.Precision;

/**
 * The one place that turns {@code --device cpu|cuda|auto} and {@code --precision fp32|tf32|bf16} into a registered
 * {@link Backend}. cuda without a usable GPU is a one-line user error (the CUDA backend's own reason); auto takes the
 * GPU when usable, else the CPU, and says which and why. Precision is a GPU setting (cuBLAS compute type): TF32 by
 * default there (PyTorch's {@code allow_tf32} convention for training), refused on the CPU, which computes in fp32.
 */
public final class Devices {
    private Devices() {}

    /** What the GPU side offers: the CUDA backend when usable, else empty with a reason. Tests substitute it. */
    interface Gpu {
        Optional<Backend> open(Precision precision);

        String unavailableReason();
    }

    static final Gpu CUDA = new Gpu() {
        @Override public Optional<Backend> open(Precision p) {
            return CudaBackend.tryCreate().map(b -> {
                b.setPrecision(p);
                return b;
            });
        }

        @Override public String unavailableReason() {
            String r = CudaBackend.unavailableReason();
            return r == null ? "unknown reason" : r;
        }
    };

    /** The GPU the commands probe: the CUDA backend; CLI tests swap in a test double (package-private on purpose). */
    static volatile Gpu probe = CUDA;

    /** The backend for the flags, registered with {@link Backends}; notes (auto's choice) go to {@code log}. */
    public static Backend select(String device, String precision, Consumer<String> log) {
        return select(device, precision, log, probe);
    }

    static Backend select(String device, String precision, Consumer<String> log, Gpu gpu) {
        String d = device == null ? "cpu" : device.strip().toLowerCase(Locale.ROOT);
        Precision p = precision == null ? null : Precision.parse(precision.strip());
        switch (d) {
            case "cpu" -> {
                if (p != null && p != Precision.FP32)
                    throw new IllegalArgumentException("--precision " + precision + " applies to the GPU only (the CPU computes"
                            + " in fp32): drop it or use --device cuda");
                return Backends.cpu();
            }
            case "cuda", "gpu" -> {
                Backend b = gpu.open(gpuPrecision(p)).orElseThrow(() -> new IllegalArgumentException(
                        "--device cuda: no usable GPU (" + gpu.unavailableReason() + "); use --device cpu or auto"));
                Backends.register(b);
                return b;
            }
            case "auto" -> {
                Optional<Backend> b = gpu.open(gpuPrecision(p));
                if (b.isPresent()) {
                    Backends.register(b.get());
                    log.accept("device auto: using " + b.get().name() + " (a CUDA GPU is usable)");
                    return b.get();
                }
                Backend cpu = Backends.cpu();
                log.accept("device auto: using " + cpu.name() + " (no usable GPU: " + gpu.unavailableReason() + ")"
                        + (p != null ? "; --precision " + precision + " ignored on the CPU" : ""));
                return cpu;
            }
            default -> throw new IllegalArgumentException("unknown --device '" + device + "': use cpu, cuda or auto");
        }
    }

    /** The GPU GEMM precision: the flag, else -Dnvit.cuda.precision, else TF32. */
    private static Precision gpuPrecision(Precision flag) {
        if (flag != null) return flag;
        String prop = System.getProperty("nvit.cuda.precision");
        return prop != null ? Precision.parse(prop) : Precision.TF32;
    }
}
