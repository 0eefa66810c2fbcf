package org.nvit.engine.cpu;

import org.nvit.engine.ref.ReferenceBackend;

/**
 * The fast CPU backend: Vector API kernels on a dedicated thread pool for F32 tensors; F64 tensors (gradient checks)
 * take the reference path. Ops not yet specialised fall back to the reference implementation.
 */
public class CpuBackend extends ReferenceBackend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    public static CpuBackend instance() { return INSTANCE; }

    protected CpuBackend() {}

    @Override public String name() { return "cpu"; }
}
