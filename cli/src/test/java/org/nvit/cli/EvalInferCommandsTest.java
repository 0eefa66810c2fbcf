package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.data.AugmentConfig;
import org.nvit.data.Image;
import org.nvit.data.ImageDecoder;
import org.nvit.data.Interpolation;
import org.nvit.data.Preprocess;
import org.nvit.data.Transforms;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine;

/** eval and infer with the preprocessing stored in the model file, its overrides, and infer's image mode. */
class EvalInferCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Nvit());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = Nvit.execute(cl, args);
        return new Result(code, out.toString(), err.toString());
    }

    private static final VitConfig CFG = new VitConfig(16, 8, 3, 3, 16, false, 1e-6, null,
            List.of(new BlockSpec(2, 8, 8, 32)));
    private static final Preprocess STORED = new Preprocess(16, 0.5, Interpolation.BILINEAR,
            new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f});

    private Path model(String name, boolean withMetadata) throws Exception {
        Path p = dir.resolve(name);
        Map<String, Tensor> sd = new VisionTransformer(CFG, 11).stateDict();
        if (withMetadata)
            WeightFiles.export(p, CFG, sd, Map.of(WeightFiles.PREPROCESS_KEY, STORED.toJson(),
                    WeightFiles.CLASSES_KEY, "[\"cat\",\"dog\",\"fox, red\"]"));
        else WeightFiles.export(p, CFG, sd);
        return p;
    }

    private static void image(Path file, int w, int h, long seed) throws Exception {
        Rng rng = new Rng(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.setRGB(x, y, (rng.nextInt(256) << 16) | ((x * 255 / w) << 8) | (y * 255 / h));
        Files.createDirectories(file.getParent());
        String name = file.getFileName().toString();
        assertTrue(ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", file.toFile()));
    }

    /** DIR/{train,val}/{cat,dog,fox}/ with a JPEG and a PNG each, of different sizes. */
    private Path folder() throws Exception {
        Path root = dir.resolve("images");
        int i = 0;
        for (String split : List.of("train", "val"))
            for (String cls : List.of("cat", "dog", "fox")) {
                image(root.resolve(split).resolve(cls).resolve("a.jpg"), 40 + i, 30, i++);
                image(root.resolve(split).resolve(cls).resolve("b.png"), 24, 36 + i, i++);
            }
        return root;
    }

    @Test void evalUsesTheStoredPreprocessingAndTheFlagsOverrideIt() throws Exception {
        Path data = folder(), with = model("with.safetensors", true), without = model("without.safetensors", false);
        String spec = "imagefolder:" + data;
        Result stored = run("eval", "--checkpoint", with.toString(), "--data", spec, "--json", "--workers", "2");
        assertEquals(0, stored.code(), stored.err());
        JsonNode s = JSON.readTree(stored.out());   // the whole of standard output is one JSON object
        assertEquals(0.5, s.get("crop_pct").asDouble());
        assertEquals("bilinear", s.get("interpolation").asText());
        assertEquals(6, s.get("images").asInt());
        assertTrue(stored.err().contains("preprocessing (the model file's)"), stored.err());
        assertTrue(stored.err().contains("top-1"), "the human line goes to stderr with --json: " + stored.err());

        // the same weights without metadata: the data set's defaults, and with flags that spell the stored ones, the same figures
        Result defaults = run("eval", "--checkpoint", without.toString(), "--data", spec, "--json");
        assertEquals(0, defaults.code(), defaults.err());
        JsonNode d = JSON.readTree(defaults.out());
        assertEquals(0.875, d.get("crop_pct").asDouble());
        assertEquals("bicubic", d.get("interpolation").asText());
        Result flags = run("eval", "--checkpoint", without.toString(), "--data", spec, "--json", "--crop-pct", "0.5",
                "--interpolation", "bilinear", "--mean", "0.4,0.5,0.6", "--std", "0.2,0.25,0.3");
        assertEquals(0, flags.code(), flags.err());
        JsonNode f = JSON.readTree(flags.out());
        assertEquals(s.get("loss").asDouble(), f.get("loss").asDouble(), 0.0);
        assertEquals(s.get("top1").asDouble(), f.get("top1").asDouble(), 0.0);
        assertTrue(flags.err().contains("with --crop-pct, --interpolation, --mean, --std"), flags.err());
        assertFalse(d.get("loss").asDouble() == s.get("loss").asDouble(), "the stored preprocessing must change the result");

        // another image size: the position embedding is resampled, and the images are prepared at that size
        Result big = run("eval", "--checkpoint", with.toString(), "--data", spec, "--json", "--img-size", "24");
        assertEquals(0, big.code(), big.err());
        assertEquals(24, JSON.readTree(big.out()).get("img_size").asInt());
        assertTrue(big.err().contains("position embedding resampled"), big.err());

        Result bad = run("eval", "--checkpoint", with.toString(), "--data", spec, "--mean", "0.1,0.2");
        assertEquals(2, bad.code());
        assertTrue(bad.err().strip().lines().count() <= 2 && bad.err().contains("--mean has 2 values"), bad.err());
    }

    @Test void inferWritesTheTopKPerImageAsCsvAndJson() throws Exception {
        Path data = folder().resolve("val"), m = model("m.safetensors", true);
        Result csv = run("infer", "--checkpoint", m.toString(), "--input", data.toString(), "--topk", "5");
        assertEquals(0, csv.code(), csv.err());
        List<String> lines = csv.out().strip().lines().toList();
        assertEquals("filename,index_0,index_1,index_2,label_0,label_1,label_2,prob_0,prob_1,prob_2", lines.get(0),
                "top-5 of a 3-class model is its 3 classes");
        assertEquals(7, lines.size(), csv.out());
        assertTrue(lines.get(1).startsWith("cat/a.jpg,") && lines.get(6).startsWith("fox/b.png,"), csv.out());

        Path out = dir.resolve("top.json");
        Result json = run("infer", "--checkpoint", m.toString(), "--input", data.toString(), "--output", out.toString(), "--topk", "2");
        assertEquals(0, json.code(), json.err());
        assertEquals("", json.out());
        JsonNode j = JSON.readTree(Files.readString(out));
        assertEquals(6, j.size());
        JsonNode one = j.get("dog/b.png");
        assertEquals(2, one.get("index").size());
        assertTrue(List.of("cat", "dog", "fox, red").contains(one.get("label").get(0).asText()), one.toString());
        assertTrue(one.get("prob").get(0).asDouble() >= one.get("prob").get(1).asDouble());

        // the probabilities are the softmax of the logits of the file's preprocessing of the image
        Path png = data.resolve("dog").resolve("b.png");
        Image x = Transforms.eval(AugmentConfig.defaultsFor("imagefolder", 3, 16).withPreprocess(STORED))
                .apply(ImageDecoder.decode(png), new Rng(0));
        Path tensor = dir.resolve("x.safetensors"), logits = dir.resolve("logits.safetensors");
        Safetensors.write(tensor, Map.of("images", Tensor.of(x.data(), 1, 3, 16, 16)), Map.of());
        Result t = run("infer", "--checkpoint", m.toString(), "--input", tensor.toString(), "--output", logits.toString());
        assertEquals(0, t.code(), t.err());
        float[] l = Safetensors.read(logits).tensors().get("logits").toFloatArray();
        double max = Math.max(l[0], Math.max(l[1], l[2])), sum = 0;
        for (float v : l) sum += Math.exp(v - max);
        int best = 0;
        for (int c = 1; c < 3; c++) if (l[c] > l[best]) best = c;
        assertEquals(best, one.get("index").get(0).asInt());
        assertEquals(Math.exp(l[best] - max) / sum, one.get("prob").get(0).asDouble(), 1e-5);

        Path single = dir.resolve("one.csv");
        Result file = run("infer", "--checkpoint", m.toString(), "--input", png.toString(), "--output", single.toString());
        assertEquals(0, file.code(), file.err());
        assertTrue(Files.readString(single).lines().toList().get(1).startsWith(png + ","), Files.readString(single));
    }

    @Test void withoutLibjpegTurboTheJdkDecodesAndTheReasonIsSaidOnce() throws Exception {
        Path m = model("m.safetensors", true), imgs = dir.resolve("jpegs");
        for (int i = 0; i < 5; i++) image(imgs.resolve(i + ".jpg"), 30 + i, 20, i);
        List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dnvit.turbojpeg=libnvit-absent.so.0",
                "-cp", System.getProperty("java.class.path"), "org.nvit.cli.Nvit", "infer", "--checkpoint", m.toString(),
                "--input", imgs.toString(), "--workers", "2", "--batch-size", "2"));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes()), err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals(6, out.strip().lines().count(), out);
        long notes = err.lines().filter(l -> l.contains("decoding JPEG with the JDK's decoder")).count();
        assertEquals(1, notes, err);
        assertTrue(err.contains("libnvit-absent.so.0") && err.contains("apt-get install libturbojpeg0"), err);
    }

    @Test void inferRefusesBadInputInOneLineAndWritesNothing() throws Exception {
        Path m = model("m.safetensors", false), imgs = dir.resolve("imgs");
        image(imgs.resolve("ok.jpg"), 20, 20, 1);
        Files.write(imgs.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3, 4, 5});
        Path out = dir.resolve("out.csv");
        Result r = run("infer", "--checkpoint", m.toString(), "--input", imgs.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.jpg") && r.err().contains("cannot decode"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out));

        Result missing = run("infer", "--checkpoint", m.toString(), "--input", dir.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope") && missing.err().contains("not found"), missing.err());

        Result noOut = run("infer", "--checkpoint", m.toString(), "--input", dir.resolve("x.safetensors").toString());
        assertEquals(2, noOut.code());
        assertTrue(noOut.err().contains("--output is required"), noOut.err());
        assertTrue(Arrays.asList(noOut.err().strip().split("\n")).size() <= 2, noOut.err());
    }
}
