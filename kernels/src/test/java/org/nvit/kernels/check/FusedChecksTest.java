package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Backends;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the capability checks that the GPU self-test runs, on the CPU backend (composites against
 * composites, the reference attention against itself): every check runs through, names its comparisons and passes.
 * A check that throws or compares the wrong tensors fails here before it reaches a GPU machine.
 */
class FusedChecksTest {
    @Test
    void theCapabilityChecksRunAndPassOnTheCpu() {
        List<GpuChecks.Result> rs = GpuChecks.runFused(Backends.cpu(), 3);
        assertTrue(rs.size() > 80, "comparisons: " + rs.size());
        for (GpuChecks.Result r : rs) assertTrue(r.passed(), r.toString());
        for (String group : FusedChecks.NAMES)
            assertTrue(rs.stream().anyMatch(r -> r.name().startsWith(group + ": ")), group + " made no comparison");
    }
}
