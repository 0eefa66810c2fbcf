package org.nvit.kernels;

import jcuda.driver.CUdeviceptr;

/**
 * A device pointer that also exposes its raw address, which the FFM cuBLAS binding needs (JCuda keeps it protected).
 * Offsets make new views of the same allocation; the allocation itself belongs to {@link DeviceMemory}.
 */
public final class DevPtr extends CUdeviceptr {
    public DevPtr() {}

    private DevPtr(DevPtr base, long byteOffset) { super(base, byteOffset); }

    /** This pointer moved by {@code bytes}. */
    public DevPtr plus(long bytes) { return bytes == 0 ? this : new DevPtr(this, bytes); }

    /** The device address as a number (0 for an unset pointer). */
    public long address() { return getNativePointer() + getByteOffset(); }
}
