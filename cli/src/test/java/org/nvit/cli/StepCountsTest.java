package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.optim.AdamW;
import org.nvit.data.Batch;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.DeviceCounters;
import org.nvit.engine.DeviceCounters.Counts;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.kernels.CudaBackend;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.train.DistillationLoss;
import org.nvit.train.TrainStep;
import org.nvit.train.WeightEma;

/**
 * What one DeiT-Small training step (batch 8, drop-path 0.1, AdamW, as {@code nvit bench model --mode train} runs
 * it) costs a device: kernel launches, GEMM calls, host syncs and copies, counted on the strict fake device (each op
 * one launch) and on the CUDA backend's own code over a GPU that runs nothing ({@link CudaBackend#dryRun}).
 */
class StepCountsTest {
    static final VitConfig DEIT_S = Presets.byName("deit_small_patch16_224");
    /** 8 by default (enough for counting); -Dnvit.steps.batch=256 counts the benchmark's batch (on the dry run). */
    static final int BATCH = Integer.getInteger("nvit.steps.batch", 8);

    @AfterEach void restore() { FakeDevice.restoreRegistry(); }

    /**
     * The counters of the steps after {@code warm} ones, per step (the first creates the optimizer's state; on the
     * GPU the second the other buffer of the double-buffered batch upload).
     */
    static Counts[] steps(Backend be, double clipGrad, boolean ema, int warm, int measured) {
        Backends.register(be);
        DeviceCounters c = be.capability(DeviceCounters.class).orElseThrow();
        VisionTransformer model = new VisionTransformer(DEIT_S, 0).to(be);
        WeightEma avg = ema ? new WeightEma(model.parameters(), 0.9998) : null;
        TrainStep step = new TrainStep(model, new AdamW(model.parameters().values(), 5e-4, 0.05),
                new DistillationLoss("none", 0, 1), null, clipGrad, avg);
        Rng rng = new Rng(1);
        Tensor images = Tensor.randn(DType.F32, rng, 1.0, BATCH, 3, 224, 224);
        Tensor targets = BenchModelCommand.smoothedOneHot(rng, BATCH, DEIT_S.numClasses(), 0.1);
        Batch batch = new Batch(images, new int[BATCH], targets, new int[BATCH], 0, 0); // a host batch, as loaders give
        for (int i = 0; i < warm; i++) step.run(batch, 5e-4, 0.1, rng);
        Counts[] per = new Counts[measured];
        for (int i = 0; i < measured; i++) {
            Counts before = c.counts();
            step.run(batch, 5e-4, 0.1, rng);
            per[i] = c.counts().minus(before);
        }
        return per;
    }

    /** The bars: one copy back (the loss), no other host wait, under 400 launches; the batch is the only copy in. */
    private static void assertLean(String where, Counts[] per) {
        Counts c = per[per.length - 1];
        System.out.println("DeiT-S training step, batch " + BATCH + ", " + where + ": " + c.format(1));
        for (Counts o : per) assertEquals(c, o, where + ": every step costs the same");
        assertEquals(1, c.d2hCopies(), where + ": exactly one device-to-host copy (the loss)");
        assertEquals(4, c.d2hBytes(), where + ": one float");
        assertEquals(0, c.syncs(), where + ": no other host sync");
        assertTrue(c.allLaunches() < 400, where + ": " + c.allLaunches() + " launches");
        assertEquals(2, c.h2dCopies(), where + ": only the batch (images, targets) goes in");
    }

    // the fake device computes on the CPU: one step to warm, one counted; the dry run is free: two and two

    @Test void aDeitSmallStepOnTheFakeDevice() { assertLean("fake device", steps(FakeDevice.BACKEND, 0, false, 1, 1)); }

    @Test void aDeitSmallStepOnTheCudaBackendsOwnCode() {
        Counts[] per = steps(CudaBackend.dryRun(), 0, false, 2, 2);
        assertLean("CUDA backend (dry run)", per);
        assertEquals(0, per[1].rawAllocations(), "a steady step allocates nothing from the driver");
    }

    @Test void withClippingAndEma() { // clipping and the EMA on the device: a few more launches, still no host read
        assertLean("fake device, clip 1.0 + EMA", steps(FakeDevice.BACKEND, 1.0, true, 1, 1));
        assertLean("CUDA backend (dry run), clip 1.0 + EMA", steps(CudaBackend.dryRun(), 1.0, true, 2, 2));
    }
}
