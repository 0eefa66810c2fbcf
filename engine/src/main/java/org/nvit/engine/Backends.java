package org.nvit.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry of the backend per device. The CPU backend is the default; the kernels module registers the CUDA backend
 * when a GPU is usable.
 */
public final class Backends {
    private static final Map<Device, Backend> BY_DEVICE = new ConcurrentHashMap<>();

    private Backends() {}

    public static void register(Backend b) { BY_DEVICE.put(b.device(), b); }

    /** The backend that owns tensors on this device. */
    public static Backend of(Device d) {
        Backend b = BY_DEVICE.get(d);
        if (b != null) return b;
        if (d == Device.CPU) {
            Backend cpu = cpuDefault();
            BY_DEVICE.putIfAbsent(Device.CPU, cpu);
            return BY_DEVICE.get(Device.CPU);
        }
        throw new IllegalStateException("no backend registered for " + d);
    }

    public static Backend of(Tensor t) { return of(t.device()); }

    public static Backend cpu() { return of(Device.CPU); }

    private static Backend cpuDefault() { return org.nvit.engine.cpu.CpuBackend.instance(); }
}
