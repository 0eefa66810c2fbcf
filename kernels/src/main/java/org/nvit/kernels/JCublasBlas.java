package org.nvit.kernels;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.driver.CUstream;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas 12.6 (needs libcublas.so.12 on the loader path). Uses the {@code _new} GEMM entry points,
 * which take a cublasComputeType (the plain wrappers take a cudaDataType and reject TF32/BF16 compute).
 */
final class JCublasBlas implements Blas {
    private final cublasHandle handle = new cublasHandle();

    /** Throws (UnsatisfiedLinkError, CudaException) when JCublas2 or libcublas.so.12 cannot be loaded. */
    JCublasBlas(CUstream stream) {
        JCublas2.setExceptionsEnabled(true);
        JCublas2.initialize();
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
        JCublas2.cublasSetMathMode(handle, CublasConst.DEFAULT_MATH);
    }

    @Override public String name() { return "jcublas 12.6 (libcublas.so.12)"; }

    @Override
    public void gemm(int opA, int opB, int m, int n, int k, float alpha,
                     DevPtr a, int aType, int lda, long strideA, DevPtr b, int bType, int ldb, long strideB,
                     float beta, DevPtr c, int cType, int ldc, long strideC, int batch, int computeType) {
        Pointer al = Pointer.to(new float[]{alpha}), be = Pointer.to(new float[]{beta});
        if (batch == 1) {
            JCublas2.cublasGemmEx_new(handle, opA, opB, m, n, k, al, a, aType, lda, b, bType, ldb, be, c, cType, ldc,
                    computeType, CublasConst.GEMM_DEFAULT);
        } else {
            JCublas2.cublasGemmStridedBatchedEx_new(handle, opA, opB, m, n, k, al, a, aType, lda, strideA,
                    b, bType, ldb, strideB, be, c, cType, ldc, strideC, batch, computeType, CublasConst.GEMM_DEFAULT);
        }
    }

    @Override public void close() { JCublas2.cublasDestroy(handle); }
}
