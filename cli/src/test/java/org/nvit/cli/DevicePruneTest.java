package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.Batch;
import org.nvit.weights.WeightFiles;
import org.nvit.train.TrainStep;
import org.nvit.pruning.LatencyTable;
import org.nvit.pruning.PruneOptions;
import org.nvit.pruning.PruneSchedule;
import org.nvit.pruning.Shrink;
import org.nvit.pruning.StepRecord;
import org.nvit.pruning.UnitKind;

/**
 * Pruning on the strict fake device: the schedule hooked into the training step keeps everything on the device (one
 * element read per batch, the loss; one download per pruning step, the scores), takes the CPU run's decisions on a
 * ragged distilled model, and shrinks to the CPU run's model; {@code nvit prune --device cuda} runs end to end.
 */
class DevicePruneTest {
    @TempDir Path dir;

    @AfterEach void restore() {
        Devices.probe = Devices.CUDA;
        FakeDevice.restoreRegistry();
    }

    /** Ragged, distilled, one block with qk != v (separate q/k/v) and one fused. */
    static final VitConfig CFG = new VitConfig(8, 4, 3, 4, 32, true, 1e-6, null,
            List.of(new BlockSpec(4, 8, 16, 64), new BlockSpec(2, 16, 16, 48)));
    static final Map<UnitKind, Integer> GROUPS = Map.of(UnitKind.EMB, 4, UnitKind.HEAD, 1, UnitKind.QK, 4, UnitKind.V, 4,
            UnitKind.MLP, 8);

    static Batch batch(Rng r) {
        Tensor img = Tensor.randn(DType.F32, r, 1, 6, 3, 8, 8);
        int[] labels = new int[6];
        Tensor t = Tensor.zeros(6, 4);
        for (int i = 0; i < 6; i++) {
            labels[i] = (int) Math.floorMod(Math.round(3 * img.getFlat(i * 192L)), 4);
            t.setFlat(i * 4L + labels[i], 1);
        }
        return new Batch(img, labels, t, new int[6], 0, 0);
    }

    record Run(List<StepRecord> steps, Shrink.Result shrunk, long batches, long elementReads, long downloads, long ops) {}

    static Run prune(Backend be) {
        VisionTransformer model = new VisionTransformer(CFG, 3).to(be), teacher = new VisionTransformer(CFG, 3).to(be);
        LatencyTable table = BenchModelCommand.macTable(CFG);
        PruneOptions o = new PruneOptions(0.55, 3, 1, 1.0, 10, 3, 40, 1e-3, 0.05, "taylor", GROUPS, 0);
        PruneSchedule s = new PruneSchedule(model, table, o);
        TrainStep step = s.trainStep(teacher);
        Rng r = new Rng(11);
        long reads0 = FakeDevice.ELEMENT_READS.get(), down0 = FakeDevice.DOWNLOADS.get(), ops0 = FakeDevice.OPS.get();
        while (s.stopReason() == null) s.afterBatch(step.run(batch(r), o.lr(), 0, null));
        long reads = FakeDevice.ELEMENT_READS.get() - reads0, down = FakeDevice.DOWNLOADS.get() - down0;
        long ops = FakeDevice.OPS.get() - ops0;
        return new Run(s.steps(), s.shrink(), s.batches(), reads, down, ops);
    }

    @Test void pruningOnTheDeviceTakesTheCpuDecisionsAndReadsBackOnlyTheLossAndTheScores() {
        Backends.register(FakeDevice.BACKEND);
        Run cpu = prune(Backends.cpu());
        Run dev = prune(FakeDevice.BACKEND);
        assertTrue(dev.steps().size() > 3, "pruning steps: " + dev.steps());
        assertTrue(dev.ops() > 100 * dev.batches(), "the work ran on the device: " + dev.ops() + " ops");
        assertEquals(dev.batches(), dev.elementReads(), "one element per batch (the loss) comes back");
        assertEquals(dev.steps().size() - 1, dev.downloads(), "one download per pruning step (the scores)");

        List<VitConfig> a = new ArrayList<>(), b = new ArrayList<>();
        cpu.steps().forEach(r -> a.add(r.dims()));
        dev.steps().forEach(r -> b.add(r.dims()));
        assertEquals(a, b, "the device run took other decisions");
        assertEquals(cpu.shrunk().config(), dev.shrunk().config());
        assertNotEquals(CFG.embedDim(), dev.shrunk().config().embedDim(), "the embedding was pruned");

        VisionTransformer x = new VisionTransformer(cpu.shrunk().config(), 0), y = new VisionTransformer(dev.shrunk().config(), 0);
        x.loadStateDict(cpu.shrunk().stateDict());
        y.loadStateDict(dev.shrunk().stateDict());
        Tensor img = batch(new Rng(99)).images();
        Tensor want = x.predict(img), got = y.predict(img);
        double max = 0, err = 0;
        for (long i = 0; i < want.numel(); i++) {
            max = Math.max(max, Math.abs(want.getFlat(i)));
            err = Math.max(err, Math.abs(want.getFlat(i) - got.getFlat(i)));
        }
        assertTrue(err <= 1e-3 * max, "shrunk logits differ by " + err + " (max " + max + ")");
    }

    @Test void prunePlusDeviceCudaRunsEndToEndAndMatchesTheCpu() throws Exception {
        Path ck = dir.resolve("m.safetensors");
        WeightFiles.export(ck, CFG, new VisionTransformer(CFG, 3).stateDict());
        Path lut = dir.resolve("lut.json");
        BenchModelCommand.macTable(CFG).save(lut);
        String[] common = {"prune", "--checkpoint", ck.toString(), "--lut", lut.toString(), "--data", "synthetic:48",
                "--target-latency", "0.6", "--interval", "2", "--per-step", "1", "--batch-size", "8", "--eval-batches", "1",
                "--group-sizes", "emb=4,head=1,qk=4,v=4,mlp=8", "--no-measure"};
        DeviceCommandsTest.Result c = DeviceCommandsTest.run(concat(common, "--output", dir.resolve("cpu").toString()));
        assertEquals(0, c.code(), c.err());
        Devices.probe = FakeDevice.gpu(true);
        long ops0 = FakeDevice.OPS.get();
        DeviceCommandsTest.Result g = DeviceCommandsTest.run(concat(common, "--device", "cuda", "--output", dir.resolve("gpu").toString()));
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("fake-cuda"), g.out() + g.err());
        assertTrue(FakeDevice.OPS.get() - ops0 > 1000);
        assertEquals(Files.readString(dir.resolve("cpu/config.json")), Files.readString(dir.resolve("gpu/config.json")));
        assertEquals(dims(dir.resolve("cpu/dims.csv")), dims(dir.resolve("gpu/dims.csv")));
    }

    /** dims.csv without its latency column (the same table gives the same values, but keep the test about dims). */
    static List<String> dims(Path csv) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            out.add(f[0] + "," + f[1] + "," + String.join(",", java.util.Arrays.copyOfRange(f, 3, f.length)));
        }
        return out;
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
