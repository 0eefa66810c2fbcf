package org.nvit.engine.cpu;

import org.nvit.engine.CpuStorage;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.gemm.Sgemm;
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

    @Override public void gemm(boolean transA, boolean transB, int m, int n, int k,
                               float alpha, Tensor a, int lda, long strideA,
                               Tensor b, int ldb, long strideB,
                               float beta, Tensor c, int ldc, long strideC, int batch) {
        if (isCpuF32(a) && isCpuF32(b) && isCpuF32(c))
            Sgemm.gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        else super.gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    private static boolean isCpuF32(Tensor t) {
        return t.dtype() == DType.F32 && t.storage() instanceof CpuStorage;
    }
}
