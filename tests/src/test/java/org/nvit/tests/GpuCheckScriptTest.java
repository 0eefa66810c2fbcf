package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/gpu-check.sh's control flow, on stand-ins for java, python3 and nvidia-smi (--dry-run): the self-test runs
 * before any benchmark, PyTorch does not inherit the Java run's LD_LIBRARY_PATH, one deadline bounds the whole script
 * (a hanging step is cut, the steps that no longer fit are skipped), and the table is printed on every exit: a normal
 * one, a failed check, a cut, a signal.
 */
class GpuCheckScriptTest {
    @TempDir Path dir;

    record Run(int code, String out, double seconds) {}

    private Run script(Map<String, String> env, long killAfterMs) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("bench/gpu-check.sh").toString(), "--dry-run")
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("OUT", dir.resolve("logs").toString());
        pb.environment().remove("LD_LIBRARY_PATH");
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (killAfterMs > 0 && !p.waitFor(killAfterMs, TimeUnit.MILLISECONDS)) p.destroy(); // SIGTERM
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script outlived its own deadline");
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1e9);
    }

    private String log(String step) throws Exception { return Files.readString(dir.resolve("logs").resolve(step + ".log")); }

    @Test
    void selfTestFirstThenTheRowsAndTheTable() throws Exception {
        Path cublas = Files.createDirectories(dir.resolve("cublas"));
        Files.writeString(cublas.resolve("libcublas.so.13"), "");
        Run r = script(Map.of("NVIT_CUBLAS_DIRS", cublas.toString()), 0);
        assertEquals(0, r.code(), r.out());
        int self = r.out().indexOf("== self-test"), bench = r.out().indexOf("== benchmarks");
        assertTrue(self >= 0 && bench > self, "the self-test runs before any benchmark:\n" + r.out());
        assertTrue(r.out().contains("| kernel self-test vs CPU | 300/300 |"), r.out());
        assertTrue(r.out().contains("| DeiT-S training images/s, batch 256, bf16 | 3100.00 | 3000 | 1.03x |"), r.out());
        for (String row : List.of("training images/s, batch 256, tf32", "training images/s, batch 256, fp32",
                "inference images/s, batch 256, bf16", "attention fwd+bwd ms (256x6x197x64), bf16",
                "GEMM 8192^3 TFLOP/s, bf16", "device copy", "tracks the CPU's losses (fp32 / tf32) | PASS / PASS",
                "device work per training step"))
            assertTrue(r.out().contains(row), row + " missing:\n" + r.out());
        assertTrue(log("self-test").contains("LD_LIBRARY_PATH=" + cublas), "Java gets the cuBLAS folder");
        assertTrue(log("torch").contains("LD_LIBRARY_PATH=<unset>"), "PyTorch keeps the original environment: " + log("torch"));
    }

    @Test
    void aHangingStepIsCutAndTheRestSkippedWithinTheDeadline() throws Exception {
        Run r = script(Map.of("DEADLINE", "25", "DRY_HANG", "train-tf32"), 0);
        assertTrue(r.seconds() < 25 + 10, "took " + r.seconds() + " s");
        assertTrue(r.out().contains("== train-tf32: cut"), r.out());
        assertTrue(r.out().contains("== torch: skipped (deadline)"), r.out());
        assertTrue(r.out().contains("| DeiT-S training images/s, batch 256, tf32 | cut |"), r.out());
        assertTrue(r.out().contains("| DeiT-S training images/s, batch 256, fp32 | skipped |"), r.out());
        assertTrue(r.out().contains("cut by the deadline or failed: train-tf32(cut)"), r.out());
        assertEquals(0, r.code(), "the self-test passed before the cut");
    }

    @Test
    void aFailedCheckIsTheExitStatusAndTheTimingsStillRun() throws Exception {
        Run r = script(Map.of("DRY_FAIL", "self-test"), 0);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("| kernel self-test vs CPU | 299/300 |"), r.out());
        assertTrue(r.out().contains("| DeiT-S training images/s, batch 256, bf16 | 3100.00 |"), r.out());
    }

    @Test
    void aSignalStillPrintsTheTable() throws Exception {
        Run r = script(Map.of("DRY_HANG", "train-bf16"), 2500);
        assertEquals(130, r.code(), r.out());
        assertTrue(r.out().contains("gpu-check: interrupted") && r.out().contains("== summary"), r.out());
        assertTrue(r.out().contains("| kernel self-test vs CPU | 300/300 |"), r.out());
    }
}
