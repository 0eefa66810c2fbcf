package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import org.nvit.train.Evaluator;
import org.nvit.train.TrainOptions;
import org.nvit.train.Trainer;

/**
 * Device-resident models and training, on the strict fake device ({@link FakeDevice}): every op sees only device
 * tensors, and the results equal the CPU's (the fake runs the CPU kernels), so any host/device mix-up fails here.
 */
class DeviceResidentTest {
    @TempDir Path dir;

    @AfterEach void restore() { FakeDevice.restoreRegistry(); }

    private static final VitConfig CFG = ModelCommandsTest.RAGGED;

    private static void assertSameValues(Map<String, Tensor> want, Map<String, Tensor> got) { assertClose(want, got, 0); }

    /**
     * Every tensor within {@code rel} of the reference in L2 norm (||got - want|| <= rel * ||want||). Exact equality is
     * not to be had even between two CPU runs: the JIT's tiers round the Vector API kernels differently (a cold and a
     * warm forward differ by ~1e-7), and AdamW turns such noise in near-zero gradients into steps of size lr.
     */
    private static void assertClose(Map<String, Tensor> want, Map<String, Tensor> got, double rel) {
        assertEquals(want.keySet(), got.keySet());
        for (var e : want.entrySet()) {
            Tensor a = e.getValue(), b = got.get(e.getKey());
            assertArrayEquals(a.shape(), b.shape(), e.getKey());
            Tensor ha = a.device() == Device.CPU ? a : Backends.of(a).toCpu(a), hb = b.device() == Device.CPU ? b : Backends.of(b).toCpu(b);
            double[] x = ha.toDoubleArray(), y = hb.toDoubleArray();
            double ref = 0, diff = 0;
            for (int i = 0; i < x.length; i++) {
                ref += x[i] * x[i];
                diff += (x[i] - y[i]) * (x[i] - y[i]);
            }
            assertTrue(Math.sqrt(diff) <= rel * Math.sqrt(ref), e.getKey() + ": ||diff|| " + Math.sqrt(diff) + " > " + rel + " * ||ref|| " + Math.sqrt(ref));
        }
    }

    @Test void movingToTheCpuIsTheIdentity() {
        VisionTransformer m = new VisionTransformer(CFG, 3);
        Map<String, Tensor> before = m.stateDict();
        assertSame(m, m.to(Backends.cpu()));
        Map<String, Tensor> after = m.stateDict();
        for (String k : before.keySet()) assertSame(before.get(k), after.get(k), k + " was copied");
        assertSameValues(new VisionTransformer(CFG, 3).stateDict(), after);
        Tensor x = Tensor.randn(DType.F32, new Rng(5), 1, 2, 3, 8, 8);
        assertSame(x, m.onDevice(x));
    }

    @Test void aModelOnTheDevicePredictsWhatTheCpuPredictsAndComesBack() {
        Backends.register(FakeDevice.BACKEND);
        VisionTransformer cpu = new VisionTransformer(CFG, 3), dev = new VisionTransformer(CFG, 3).to(FakeDevice.BACKEND);
        assertEquals(Device.CUDA, dev.device());
        for (Var v : dev.parameters().values()) assertEquals(Device.CUDA, v.value().device(), v.name());
        Tensor x = Tensor.randn(DType.F32, new Rng(5), 1, 3, 3, 8, 8);
        Tensor want = cpu.predict(x), got = dev.predict(x); // host images go over by themselves
        assertEquals(Device.CUDA, got.device());
        assertArrayEquals(want.toFloatArray(), Backends.of(got).toCpu(got).toFloatArray(), 1e-6f);
        // loading a host state dict keeps the model on its device; moving back restores host tensors
        dev.loadStateDict(new VisionTransformer(CFG, 9).stateDict());
        assertEquals(Device.CUDA, dev.device());
        dev.to(Backends.cpu());
        assertEquals(Device.CPU, dev.device());
        assertSameValues(new VisionTransformer(CFG, 9).stateDict(), dev.stateDict());
    }

    @Test void deviceTensorsOfAScopeDieWithItUnlessKept() {
        Tensor kept, dead, outside = FakeDevice.BACKEND.zeros(DType.F32, 3);
        try (org.nvit.engine.MemoryScope scope = org.nvit.engine.MemoryScope.open()) {
            dead = FakeDevice.BACKEND.zeros(DType.F32, 3);
            kept = scope.keep(FakeDevice.BACKEND.fromCpu(Tensor.of(new float[] {1, 2, 3}, 3)));
            assertEquals(1, scope.owned());
            try (var state = org.nvit.engine.MemoryScope.suspend()) {
                FakeDevice.BACKEND.zeros(DType.F32, 2); // optimizer-state style: not the scope's
            }
            assertEquals(1, scope.owned());
        }
        assertEquals(2.0, kept.getFlat(1));
        assertEquals(0.0, outside.getFlat(0));
        var e = assertThrows(IllegalStateException.class, () -> FakeDevice.BACKEND.toCpu(dead));
        assertTrue(e.getMessage().contains("after its memory scope closed"), e.getMessage());
    }

    @Test void weightFilesOfDeviceTensorsMatchTheHostOnes() throws Exception {
        VisionTransformer dev = new VisionTransformer(CFG, 4).to(FakeDevice.BACKEND);
        Backends.register(FakeDevice.BACKEND);
        Path f = dir.resolve("d.safetensors");
        WeightFiles.export(f, CFG, dev.stateDict());
        assertSameValues(new VisionTransformer(CFG, 4).stateDict(), WeightFiles.load(f, java.util.List.of()).stateDict());
    }

    private TrainOptions options(String out, Path teacher) {
        TrainOptions o = new TrainOptions();
        o.model = "vit_fmnist_tiny";
        o.data = "synthetic:64";
        o.epochs = 1;
        o.batchSize = 16;
        o.lr = 2e-3;
        o.warmupEpochs = 0.0;
        o.emaDecay = 0.9;
        o.clipGrad = 1.0;
        o.teacher = teacher.toString();
        o.distillationType = "hard";
        o.output = dir.resolve(out).toString();
        return o;
    }

    /**
     * The trainer on the device (model, teacher, EMA, optimizer, every batch) computes the CPU's run: same weights,
     * EMA, evaluation and checkpoint, also after a resume (optimizer state loaded back onto the device).
     */
    @Test void trainingOnTheDeviceEqualsTrainingOnTheCpu() throws Exception {
        VitConfig cfg = Presets.byName("vit_fmnist_tiny");
        Path teacher = dir.resolve("teacher.safetensors");
        WeightFiles.export(teacher, cfg, new VisionTransformer(cfg, 7).stateDict());
        Backends.register(FakeDevice.BACKEND);

        Evaluator.Result cpu = new Trainer(options("cpu", teacher), Backends.cpu()).run();
        long ops0 = FakeDevice.OPS.get();
        Trainer onDevice = new Trainer(options("dev", teacher), FakeDevice.BACKEND);
        assertEquals(Device.CUDA, onDevice.model().device());
        Evaluator.Result dev = onDevice.run();
        assertTrue(FakeDevice.OPS.get() - ops0 > 1000, "the ops ran on the device");
        assertEquals(cpu.loss(), dev.loss(), 1e-4 * Math.abs(cpu.loss()));
        for (String f : new String[] {"model.safetensors", "model_ema.safetensors", "last.ckpt"})
            assertClose(Safetensors.read(dir.resolve("cpu").resolve(f)).tensors(), Safetensors.read(dir.resolve("dev").resolve(f)).tensors(), 1e-3);

        Evaluator.Result cpu2 = Trainer.resume(dir.resolve("cpu"), 2, 0, o -> Backends.cpu()).run();
        Evaluator.Result dev2 = Trainer.resume(dir.resolve("dev"), 2, 0, o -> FakeDevice.BACKEND).run();
        assertEquals(cpu2.loss(), dev2.loss(), 1e-4 * Math.abs(cpu2.loss()));
        assertClose(Safetensors.read(dir.resolve("cpu").resolve("last.ckpt")).tensors(),
                Safetensors.read(dir.resolve("dev").resolve("last.ckpt")).tensors(), 1e-3);
    }
}
