package org.nvit.kernels;

/** The few cuBLAS / CUDA enum values we use (identical in cuBLAS 12 and 13, cublas_api.h / library_types.h). */
final class CublasConst {
    private CublasConst() {}

    static final int OP_N = 0, OP_T = 1;
    static final int CUDA_R_32F = 0, CUDA_R_16BF = 14;
    static final int COMPUTE_32F = 68, COMPUTE_32F_FAST_TF32 = 77;
    static final int GEMM_DEFAULT = -1;
    static final int DEFAULT_MATH = 0, TF32_TENSOR_OP_MATH = 3;
    static final int STATUS_SUCCESS = 0;
}
