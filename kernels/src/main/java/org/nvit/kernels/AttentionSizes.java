package org.nvit.kernels;

/** The shared memory the fused attention kernels carve (attention.cu, sharedBytes), for launches and tests. */
public final class AttentionSizes {
    private AttentionSizes() {}

    /** Bytes for kernel {@code which} (0 forward, 1 dK/dV, 2 dQ), operand elements of {@code elem} bytes. */
    public static int sharedBytes(int which, int dq, int dv, int elem) {
        return AttentionKernels.sharedBytes(which, dq, dv, elem);
    }
}
