package org.nvit.kernels;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nvit.kernels.check.GpuChecks;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every kernel and GEMM path against the CPU backend; skipped (not failed) on machines without a CUDA GPU. */
class GpuKernelTest {
    @TestFactory
    Stream<DynamicTest> kernelsMatchCpu() {
        return GpuChecks.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            var gpu = CudaBackend.tryCreate();
            assumeTrue(gpu.isPresent(), () -> "no CUDA GPU: skipped (" + CudaBackend.unavailableReason() + ")");
            List<GpuChecks.Result> rs = GpuChecks.run(name, gpu.get(), System.nanoTime());
            assertTrue(!rs.isEmpty(), "check group " + name + " compared nothing");
            String failed = rs.stream().filter(r -> !r.passed()).map(Object::toString)
                    .collect(Collectors.joining("\n"));
            assertTrue(failed.isEmpty(), "GPU differs from CPU:\n" + failed);
        }));
    }
}
