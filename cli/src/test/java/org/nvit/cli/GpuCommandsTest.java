package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.AdamW;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.kernels.CudaBackend;
import org.nvit.kernels.Precision;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;

/** The commands on a real CUDA GPU; skipped (not failed) where there is none, as GpuKernelTest is. */
class GpuCommandsTest {
    @TempDir Path dir;

    @BeforeEach void needsAGpu() {
        assumeTrue(CudaBackend.tryCreate().isPresent(), () -> "no CUDA GPU: skipped (" + CudaBackend.unavailableReason() + ")");
        Devices.probe = Devices.CUDA;
    }

    /** Losses of a few AdamW steps on one fixed batch (drop-path 0), on the given backend. */
    private static List<Double> losses(Backend backend, int steps) {
        VitConfig cfg = Presets.byName("vit_fmnist_tiny");
        VisionTransformer m = new VisionTransformer(cfg, 1).to(backend);
        Rng rng = new Rng(2);
        Tensor images = m.onDevice(Tensor.randn(DType.F32, rng, 1.0, 32, 1, 28, 28));
        Tensor targets = m.onDevice(BenchModelCommand.smoothedOneHot(rng, 32, cfg.numClasses(), 0.1));
        AdamW opt = new AdamW(m.parameters().values(), 1e-3, 0.05);
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Var loss = F.softCrossEntropy(m.forward(Var.constant(images), true, 0, null).cls(), targets);
                out.add(loss.value().getFlat(0));
                loss.backward();
                opt.step();
                opt.zeroGrad();
            }
        }
        assertEquals(backend.device(), m.device());
        return out;
    }

    @Test void trainingStepsOnTheGpuTrackTheCpu() {
        List<Double> cpu = losses(Backends.cpu(), 6);
        for (Precision p : new Precision[] {Precision.FP32, Precision.TF32}) {
            Backend gpu = Devices.select("cuda", p.name(), s -> { });
            assertEquals(Device.CUDA, gpu.device());
            List<Double> got = losses(gpu, 6);
            // a few steps keep the GEMM's relative error order: fp32 1e-5, TF32 2e-3 (x10 for six steps of AdamW)
            double bound = 10 * p.tolerance();
            for (int i = 0; i < cpu.size(); i++)
                assertEquals(cpu.get(i), got.get(i), bound * Math.abs(cpu.get(i)), p + " step " + i + ": cpu " + cpu + " gpu " + got);
            assertTrue(got.getLast() < got.getFirst(), "the loss falls: " + got);
        }
    }

    @Test void benchModelRunsOnCuda() throws Exception {
        for (String mode : new String[] {"infer", "train"}) {
            var r = DeviceCommandsTest.run("bench", "model", "--model", "vit_fmnist_tiny", "--batch", "8", "--warmup", "1",
                    "--repeats", "2", "--mode", mode, "--device", "cuda", "--precision", "bf16", "--json");
            assertEquals(0, r.code(), r.err());
            var j = DeviceCommandsTest.json(r);
            assertTrue(j.get("backend").asText().startsWith("cuda(") && j.get("backend").asText().endsWith("bf16)"), j.toString());
            assertTrue(j.get("images_per_s").asDouble() > 0);
        }
    }

    @Test void trainEvalAndInferRunOnCuda() throws Exception {
        Path run = dir.resolve("run");
        var t = DeviceCommandsTest.run("train", "--data", "synthetic:128", "--epochs", "1", "-b", "32", "--device", "cuda",
                "--output", run.toString());
        assertEquals(0, t.code(), t.err());
        Path model = run.resolve("model.safetensors");
        assertEquals(Presets.byName("vit_fmnist_tiny"), WeightFiles.load(model, List.of()).config());
        var cpu = DeviceCommandsTest.run("eval", "--checkpoint", model.toString(), "--data", "synthetic:128", "--json");
        var gpu = DeviceCommandsTest.run("eval", "--checkpoint", model.toString(), "--data", "synthetic:128", "--json",
                "--device", "cuda", "--precision", "fp32");
        assertEquals(0, gpu.code(), gpu.err());
        assertEquals(DeviceCommandsTest.json(cpu).get("loss").asDouble(), DeviceCommandsTest.json(gpu).get("loss").asDouble(), 1e-4);

        Path in = dir.resolve("in.safetensors"), outCpu = dir.resolve("c.safetensors"), outGpu = dir.resolve("g.safetensors");
        Safetensors.write(in, Map.of("images", Tensor.randn(DType.F32, new Rng(1), 1, 5, 1, 28, 28)), Map.of());
        assertEquals(0, DeviceCommandsTest.run("infer", "--checkpoint", model.toString(), "--input", in.toString(), "--output",
                outCpu.toString()).code());
        var i = DeviceCommandsTest.run("infer", "--checkpoint", model.toString(), "--input", in.toString(), "--output",
                outGpu.toString(), "--device", "cuda", "--precision", "fp32", "--batch", "2");
        assertEquals(0, i.code(), i.err());
        float[] a = Safetensors.read(outCpu).tensors().get("logits").toFloatArray(), b = Safetensors.read(outGpu).tensors().get("logits").toFloatArray();
        double max = 0, diff = 0;
        for (int k = 0; k < a.length; k++) {
            max = Math.max(max, Math.abs(a[k]));
            diff = Math.max(diff, Math.abs(a[k] - b[k]));
        }
        assertTrue(diff <= 1e-4 * max, "fp32 logits differ by " + diff + " (max " + max + ")");
    }
}
