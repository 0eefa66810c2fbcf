package org.nvit.kernels;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Behaviour that must hold on every machine: a clean "no GPU" answer, and the fatbin when nvcc was there. */
class NoGpuTest {
    @Test
    void tryCreateNeverThrowsAndExplainsAnAbsentGpu() {
        var gpu = assertDoesNotThrow(CudaBackend::tryCreate);
        assumeTrue(gpu.isEmpty(), "a CUDA GPU is present: the GPU tests cover it");
        String why = CudaBackend.unavailableReason();
        assertNotNull(why);
        assertFalse(why.isBlank());
        assertFalse(why.contains("\n"), "the reason is one line: " + why);
        assertTrue(CudaBackend.tryCreate().isEmpty(), "the outcome is cached");
    }

    static boolean nvccOnPath() {
        String nvcc = System.getenv("NVCC");
        if (nvcc != null && Files.isExecutable(Path.of(nvcc))) return true;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) return true;
        return false;
    }

    @Test
    void fatbinIsPackagedWhenNvccWasPresent() throws Exception {
        assumeTrue(nvccOnPath(), "nvcc is not on the PATH: the build skipped the kernels");
        try (InputStream in = Gpu.class.getResourceAsStream(Gpu.FATBIN)) {
            assertNotNull(in, Gpu.FATBIN + " missing although nvcc is on the PATH");
            byte[] head = in.readNBytes(4);
            // fatbin container magic 0xBA55ED50, little-endian
            assertArrayEquals(new byte[]{0x50, (byte) 0xED, 0x55, (byte) 0xBA}, head);
        }
        // every kernel the Java side launches is defined in the sources that went into it
        String src = readCudaSources();
        for (String k : new String[]{"nvit_fill", "nvit_copy", "nvit_add", "nvit_axpy", "nvit_mul", "nvit_scale",
                "nvit_add_bias", "nvit_gelu", "nvit_bias_gelu", "nvit_gelu_backward", "nvit_scale_samples",
                "nvit_add_scalar", "nvit_softmax_warp", "nvit_softmax_block", "nvit_softmax_backward_warp",
                "nvit_softmax_backward_block", "nvit_cross_entropy_soft", "nvit_layernorm",
                "nvit_layernorm_backward_x", "nvit_layernorm_backward_params_partial", "nvit_sum_rows_partial",
                "nvit_sum_partials", "nvit_patchify", "nvit_unpatchify", "nvit_split_heads", "nvit_merge_heads",
                "nvit_copy_cols", "nvit_dropout_mask", "nvit_uniform", "nvit_adamw_multi", "nvit_f32_to_bf16",
                "nvit_bf16_to_f32", "nvit_dot_along_rows", "nvit_dot_along_cols", "nvit_dot_along_finish",
                "nvit_scale_along", "nvit_accumulate_score"})
            assertTrue(src.contains("__global__ void " + k + "("), "kernel " + k + " not defined");
    }

    private static String readCudaSources() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(Path.of("src/main/cuda"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cu")).toList()) sb.append(Files.readString(p));
        }
        return sb.toString();
    }
}
