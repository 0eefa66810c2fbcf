package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.kernels.CudaBackend;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import org.nvit.pruning.LatencyTable;
import picocli.CommandLine;

/**
 * {@code --device} through the real commands: without a GPU, cuda is a one-line error and exit 2, and auto runs on the
 * CPU saying so; with the strict fake device swapped in as the GPU, infer, eval, bench model and lut build run
 * device-resident and give the CPU's answers.
 */
class DeviceCommandsTest {
    @TempDir Path dir;

    @AfterEach void restore() {
        Devices.probe = Devices.CUDA;
        FakeDevice.restoreRegistry();
    }

    record Result(int code, String out, String err) {}

    /**
     * Runs the CLI capturing System.out and picocli's out and err (where notes and errors go). System.out is replaced
     * before the CommandLine exists: picocli's default execution strategy remembers System.out when it is created, and
     * execute() would otherwise take a changed System.out for a user setting and reset the command's out to the old one.
     */
    static Result run(String... args) {
        StringWriter err = new StringWriter(), out = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = new CommandLine(new Nvit());
            cl.setExecutionExceptionHandler(new UserErrors());
            cl.setErr(new PrintWriter(err));
            cl.setOut(new PrintWriter(out));
            int code = cl.execute(args);
            return new Result(code, out + sysOut.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    private Path checkpoint(VitConfig cfg, long seed) throws Exception {
        Path ck = dir.resolve("m" + seed + ".safetensors");
        WeightFiles.export(ck, cfg, new VisionTransformer(cfg, seed).stateDict());
        return ck;
    }

    @Test void cudaWithoutAGpuIsOneLineAndExit2() throws Exception {
        assumeTrue(CudaBackend.tryCreate().isEmpty(), "a CUDA GPU is present: GpuCommandsTest covers it");
        Path ck = checkpoint(ModelCommandsTest.RAGGED, 1);
        String[][] commands = {
                {"bench", "model", "--model", "vit_fmnist_tiny", "--device", "cuda"},
                {"train", "--data", "synthetic:32", "--device", "cuda", "--output", dir.resolve("t").toString()},
                {"eval", "--checkpoint", ck.toString(), "--data", "synthetic:32", "--device", "cuda"},
                {"infer", "--checkpoint", ck.toString(), "--input", ck.toString(), "--output", dir.resolve("o").toString(), "--device", "cuda"},
                {"lut", "build", "--model", "vit_fmnist_tiny", "--device", "cuda", "--out", dir.resolve("l.json").toString()},
                {"prune", "--checkpoint", ck.toString(), "--lut", dir.resolve("l.json").toString(), "--data", "synthetic:32",
                        "--device", "cuda", "--output", dir.resolve("p").toString()}};
        for (String[] c : commands) {
            Result r = run(c);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            String e = r.err().strip();
            assertTrue(e.startsWith("nvit: error: --device cuda: no usable GPU (") && e.contains(CudaBackend.unavailableReason()), e);
            assertEquals(1, e.lines().count(), e);
        }
        assertFalse(Files.exists(dir.resolve("t")) || Files.exists(dir.resolve("o")) || Files.exists(dir.resolve("l.json"))
                || Files.exists(dir.resolve("p")));
    }

    @Test void badFlagsAreOneLineErrors() {
        Result unknown = run("bench", "model", "--model", "vit_fmnist_tiny", "--device", "tpu");
        assertEquals(2, unknown.code());
        assertEquals("nvit: error: unknown --device 'tpu': use cpu, cuda or auto", unknown.err().strip());
        Result precision = run("bench", "model", "--model", "vit_fmnist_tiny", "--precision", "bf16");
        assertEquals(2, precision.code());
        assertTrue(precision.err().contains("applies to the GPU only"), precision.err());
    }

    @Test void autoWithoutAGpuRunsOnTheCpuAndSaysWhy() throws Exception {
        Devices.probe = FakeDevice.gpu(false);
        Result r = run("bench", "model", "--model", "vit_fmnist_tiny", "--batch", "2", "--warmup", "1", "--repeats", "1",
                "--device", "auto", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("device auto: using cpu") && r.err().contains("no usable GPU"), r.err());
        assertEquals("cpu", json(r).get("backend").asText());
    }

    static JsonNode json(Result r) throws Exception {
        return new ObjectMapper().readTree(r.out().strip().lines().reduce((a, b) -> b).orElse(""));
    }

    @Test void benchModelRunsOnTheDevice() throws Exception {
        Devices.probe = FakeDevice.gpu(true);
        for (String mode : new String[] {"infer", "train"}) {
            long uploads = FakeDevice.UPLOADS.get(), ops = FakeDevice.OPS.get();
            Result r = run("bench", "model", "--model", "vit_fmnist_tiny", "--batch", "3", "--warmup", "1", "--repeats", "2",
                    "--mode", mode, "--device", "cuda", "--precision", "tf32", "--json");
            assertEquals(0, r.code(), r.err());
            assertEquals("fake-cuda(strict)", json(r).get("backend").asText());
            assertTrue(json(r).get("images_per_s").asDouble() > 0);
            assertTrue(FakeDevice.OPS.get() > ops);
            // the parameters and the batch go over once, before the timing; the steps upload nothing (train mode's
            // one [1] loss scalar per cross-entropy aside)
            int params = new VisionTransformer(Presets.byName("vit_fmnist_tiny"), 0).parameters().size();
            long steps = 3, perStep = mode.equals("train") ? 1 : 0;
            assertTrue(FakeDevice.UPLOADS.get() - uploads <= params + 2 + steps * perStep,
                    mode + ": " + (FakeDevice.UPLOADS.get() - uploads) + " uploads");
        }
    }

    @Test void benchModelProfilePrintsTheDeviceWorkPerStep() throws Exception {
        Devices.probe = FakeDevice.gpu(true);
        Result r = run("bench", "model", "--model", "vit_fmnist_tiny", "--batch", "2", "--warmup", "1", "--repeats", "2",
                "--mode", "train", "--device", "cuda", "--profile");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("device work per step") && r.out().contains("kernel launches")
                && r.out().contains("1.0 host syncs") && r.out().contains("time per backend op"), r.out());
    }

    @Test void inferAndEvalOnTheDeviceGiveTheCpuAnswers() throws Exception {
        Devices.probe = FakeDevice.gpu(true);
        VitConfig cfg = ModelCommandsTest.RAGGED;
        Path ck = checkpoint(cfg, 4), in = dir.resolve("in.safetensors");
        Safetensors.write(in, Map.of("images", Tensor.randn(DType.F32, new Rng(1), 1, 5, 3, 8, 8)), Map.of());
        Path outCpu = dir.resolve("cpu.safetensors"), outDev = dir.resolve("dev.safetensors");
        assertEquals(0, run("infer", "--checkpoint", ck.toString(), "--input", in.toString(), "--output", outCpu.toString(), "--batch", "2").code());
        Result r = run("infer", "--checkpoint", ck.toString(), "--input", in.toString(), "--output", outDev.toString(), "--batch", "2",
                "--device", "cuda");
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> want = Safetensors.read(outCpu).tensors(), got = Safetensors.read(outDev).tensors();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), 1e-5f, k);

        VitConfig fm = Presets.byName("vit_fmnist_tiny");
        Path fck = checkpoint(fm, 2);
        Result cpu = run("eval", "--checkpoint", fck.toString(), "--data", "synthetic:100", "--batch-size", "4", "--json");
        Result dev = run("eval", "--checkpoint", fck.toString(), "--data", "synthetic:100", "--batch-size", "4", "--json", "--device", "cuda");
        assertEquals(0, dev.code(), dev.err());
        assertEquals(json(cpu).get("top1").asDouble(), json(dev).get("top1").asDouble());
        assertEquals(json(cpu).get("loss").asDouble(), json(dev).get("loss").asDouble(), 1e-5);
    }

    @Test void lutBuildMeasuresOnTheDevice() throws Exception {
        Devices.probe = FakeDevice.gpu(true);
        VitConfig cfg = VitConfig.uniform(8, 4, 1, 10, 32, 1, new org.nvit.models.BlockSpec(2, 8, 8, 16), false);
        Path cfgFile = dir.resolve("cfg.json"), lut = dir.resolve("lut.json");
        Files.writeString(cfgFile, cfg.toJson());
        long ops = FakeDevice.OPS.get();
        Result r = run("lut", "build", "--config", cfgFile.toString(), "--grid", "quick", "--batch", "2", "--warmup", "0", "--accept-noisy",
                "--repeats", "1", "--device", "cuda", "--out", lut.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("cuda", LatencyTable.load(lut).data().device());
        assertTrue(FakeDevice.OPS.get() > ops, "the blocks ran on the device");
    }
}
