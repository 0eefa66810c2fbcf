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
        // that every kernel the Java side launches is in it (and every kernel in it launched) is LaunchAbiTest's job:
        // it compiles the same sources to PTX and checks each launch against its entry
    }

}
