package org.nvit.kernels;

import jcuda.driver.CUstream;

/** A CUDA stream whose raw handle the FFM cuBLAS binding can read (JCuda keeps it protected). */
final class StreamPtr extends CUstream {
    long address() { return getNativePointer(); }
}
