package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Backend.Score;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the per-unit kernels of structured pruning (units.cu) run on the host with one OS thread per CUDA
 * thread (threadshim), against the reference backend: dotAlong's rows path (block per unit and slice) and columns
 * path (inner == 1), each with UnitKernels' geometry and with forced small slices whose boundaries fall inside runs;
 * scaleAlong bit-exact over grid-stride wraps of every kind; accumulateScore with non-finite inputs. Skipped without
 * g++.
 */
class HostUnitsTest {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    private static final double F32 = 1e-5;
    private static final float ALPHA = -0.75f; // host_units.cpp's dotAlong alpha
    private static Path exe;
    private final Rng rng = new Rng(11);

    private static synchronized Path build() throws Exception {
        if (exe == null)
            exe = HostBuild.gxx("host_units", List.of("-std=c++20", "-O1", "-pthread", "-Isrc/test/cuda/threadshim"),
                    "src/test/cuda/host_units.cpp");
        return exe;
    }

    private static float[] host(String header, Tensor... inputs) throws Exception {
        return HostBuild.run(build(), header, 120, inputs);
    }

    private Tensor rand(int... shape) { return Tensor.rand(DType.F32, rng, -2, 2, shape); }

    private static Tensor tensor(float[] v, int from, int n) {
        Tensor t = Tensor.zeros(n);
        for (int i = 0; i < n; i++) t.setFlat(i, v[from + i]);
        return t;
    }

    /** Elements whose float bits differ (any NaN equals any NaN). */
    private static int mismatches(float[] got, int from, Tensor ref) {
        int bad = 0;
        for (int i = 0; i < ref.numel(); i++)
            if (Float.compare(got[from + i], (float) ref.getFlat(i)) != 0
                    && !(Float.isNaN(got[from + i]) && Double.isNaN(ref.getFlat(i)))) bad++;
        return bad;
    }

    /** nvit_accumulate_score's score codes, as UnitKernels passes them. */
    private static int code(Score f) {
        return switch (f) {
            case IDENTITY -> 0;
            case ABS -> 1;
            case SQUARE -> 2;
        };
    }

    @Test
    void dotAlongRowsAndColumns() throws Exception {
        // {outer, units, inner, slice}: slice 0 = UnitKernels' geometry, else elements (rows) or rows (columns) per
        // slice. Rows: single runs, head-column views (outer > 1), a unit split in slices at a run boundary; threads
        // whose block-size steps carry into the next run (runs of 100, 300, 3, and 1500 in forced slices of 700 that
        // end mid-run); slices shorter than the block, ending mid-run; runs of 2. Columns: one element, a few row
        // chunks, a forced odd chunking. Empty views add alpha * 0.
        int[][] cases = {{1, 5, 64, 0}, {3, 7, 97, 0}, {12, 6, 64, 0}, {2, 3, 3001, 0}, {5, 3, 100, 0},
                {7, 2, 300, 0}, {600, 2, 3, 0}, {3, 2, 1500, 700}, {1, 1, 2, 0}, {5, 4, 2, 0}, {3, 7, 97, 50},
                {4, 3, 33, 37}, {9, 2, 5, 7}, {1, 1, 1, 0}, {300, 70, 1, 0}, {1000, 45, 1, 0}, {77, 33, 1, 5},
                {0, 4, 3, 0}, {0, 4, 1, 0}};
        for (int[] c : cases) {
            int outer = c[0], units = c[1], inner = c[2];
            String h = "dot_along " + outer + " " + units + " " + inner + " " + c[3];
            Tensor a = rand(outer * units * inner), b = rand(outer * units * inner), out = rand(units);
            float[] got = host(h, a, b, out);
            REF.dotAlong(a, b, outer, inner, ALPHA, out);
            assertEquals(units, got.length, h + ": output count");
            double err = Compare.relError(tensor(got, 0, units), out);
            assertTrue(err <= F32, h + ": error " + err);
        }
    }

    @Test
    void scaleAlongIsExactOverEveryWrap() throws Exception {
        // {outer, units, inner} on a 3 x 32 grid (stride 96): steps that carry in i, in u, both, neither (inner 96,
        // units 96 with inner 1), inner longer than the stride; then UnitKernels' 256-thread blocks.
        int[][] cases = {{1, 1, 1}, {4, 7, 5}, {3, 5, 1}, {2, 3, 200}, {5, 7, 96}, {11, 96, 1}, {2, 1, 50}, {7, 13, 3}};
        for (int[] c : cases)
            for (int[] launch : new int[][]{{3, 32}, {2, 256}}) {
                int outer = c[0], units = c[1], inner = c[2];
                String h = "scale_along " + outer + " " + units + " " + inner + " " + launch[0] + " " + launch[1];
                Tensor x = rand(outer * units * inner), f = rand(units);
                for (int u = 0; u < units; u += 3) f.setFlat(u, 1); // kept units: the kernel skips their stores
                if (units > 1) f.setFlat(1, 0);
                x.setFlat(0, Float.NaN); // stays NaN whatever its factor
                if (x.numel() > 1) x.setFlat(x.numel() - 1, Float.POSITIVE_INFINITY);
                float[] got = host(h, x, f);
                REF.scaleAlong(x, outer, inner, f);
                assertEquals(x.numel(), got.length, h + ": output count");
                assertEquals(0, mismatches(got, 0, x), h + ": elements differing from the reference");
            }
    }

    /** Batch scores with every kind of non-finite value, each score function, on a grid that wraps. */
    @Test
    void accumulateScoreDropsNonFiniteScoresAndClears() throws Exception {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -3.5f, 1e30f,
                -Float.MAX_VALUE, Float.MIN_VALUE};
        int n = 203;
        for (Score f : Score.values()) {
            Tensor c = rand(n), sum = rand(n);
            for (int i = 0; i < special.length; i++) c.setFlat(17 * i, special[i]);
            if (f == Score.SQUARE) { c.setFlat(6 * 17, 1e15f); c.setFlat(7 * 17, -1e18f); } // squares stay finite
            Tensor sum0 = sum.copy(), c0 = c.copy();
            float[] got = host("accumulate_score " + n + " " + code(f) + " 3 32", c, sum);
            REF.accumulateScore(c, f, sum);
            assertEquals(2 * n, got.length, f + ": output count");
            assertEquals(0, mismatches(got, 0, c), f + ": c must be cleared");
            // element by element: the huge scores must not make the others' errors look small
            for (int i = 0; i < n; i++) {
                double ref = sum.getFlat(i), tol = 1e-6 * (Math.abs(ref) + Math.abs(sum0.getFlat(i)) + 1);
                assertEquals(ref, got[n + i], tol, f + ": sum[" + i + "] for c = " + c.getFlat(i));
            }
        }
    }

    /**
     * A square that overflows float is a non-finite score and is dropped, as the CPU backend does (the kernel
     * squares in float). The reference backend squares in double and stores the resulting +Inf into the sum instead.
     */
    @Test
    void squareOverflowingFloatIsDroppedAsOnTheCpu() throws Exception {
        Tensor c = Tensor.of(new float[]{3e19f, -1e20f, 2f}, 3), sum = Tensor.of(new float[]{1f, 2f, 3f}, 3);
        float[] got = host("accumulate_score 3 " + code(Score.SQUARE) + " 1 32", c, sum);
        Backends.cpu().accumulateScore(c, Score.SQUARE, sum);
        assertArrayEquals(new float[]{0, 0, 0, 1, 2, 7}, got);
        assertEquals(0, mismatches(got, 3, sum), "the CPU backend agrees");
    }
}
