package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Rng;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * A folder of JPEG photos end to end, as a timm user runs it: train on DIR (DeiT's --data-path spelling), evaluate
 * with the preprocessing the training stored in the model file (--json through a JSON parser), and nvit infer on
 * the val folder writing the top-5 classes per image with the class names.
 */
class JpegFolderEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLASSES = List.of("ant", "bee", "cat", "dog", "eel", "fox");

    /** DIR/{train,val}/<class>/*.jpg of different sizes: the class is the hue of a bright square. */
    static Path folder(Path dir) throws Exception {
        Rng rng = new Rng(8);
        for (String split : List.of("train", "val"))
            for (int c = 0; c < CLASSES.size(); c++) {
                Path d = Files.createDirectories(dir.resolve(split).resolve(CLASSES.get(c)));
                for (int i = 0; i < (split.equals("train") ? 6 : 2); i++) {
                    int w = 40 + rng.nextInt(30), h = 40 + rng.nextInt(30);
                    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++) {
                            boolean in = Math.abs(x - w / 2) < w / 4 && Math.abs(y - h / 2) < h / 4;
                            int r = in ? 40 * c : rng.nextInt(60), g = in ? 255 - 40 * c : rng.nextInt(60), b = rng.nextInt(80);
                            img.setRGB(x, y, (r << 16) | (g << 8) | b);
                        }
                    assertTrue(ImageIO.write(img, "jpg", d.resolve(i + ".jpg").toFile()));
                }
            }
        return dir;
    }

    @Test void trainEvaluateAndInferOnAJpegFolder(@TempDir Path tmp) throws Exception {
        Path data = folder(tmp.resolve("photos")), run = tmp.resolve("run"), cfgFile = tmp.resolve("cfg.json");
        Files.writeString(cfgFile, new VitConfig(32, 8, 3, 6, 32, false, 1e-6, null,
                List.of(new BlockSpec(2, 16, 16, 64), new BlockSpec(2, 16, 16, 64))).toJson());
        CliEndToEndTest.Run t = CliEndToEndTest.nvit("train", "--config", cfgFile.toString(), "--data", data.toString(),
                "--epochs", "2", "--batch-size", "12", "--output", run.toString());
        assertEquals(0, t.code(), t.err());
        Path model = run.resolve("model.safetensors");

        CliEndToEndTest.Run info = CliEndToEndTest.nvit("info", model.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        JsonNode i = JSON.readTree(info.out());
        assertEquals(0.875, i.get("preprocess").get("crop_pct").asDouble(), "image folders: DeiT's crop fraction");
        assertEquals(CLASSES, JSON.convertValue(i.get("classes"), List.class));

        CliEndToEndTest.Run e = CliEndToEndTest.nvit("eval", "--checkpoint", model.toString(), "--data-path", data.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        JsonNode r = JSON.readTree(e.out());
        assertEquals(12, r.get("images").asInt());
        assertEquals("bicubic", r.get("interpolation").asText());

        Path top5 = tmp.resolve("top5.csv");
        CliEndToEndTest.Run inf = CliEndToEndTest.nvit("infer", "--checkpoint", model.toString(), "--input",
                data.resolve("val").toString(), "--output", top5.toString());
        assertEquals(0, inf.code(), inf.err());
        List<String> rows = Files.readAllLines(top5);
        assertEquals("filename,index_0,index_1,index_2,index_3,index_4,label_0,label_1,label_2,label_3,label_4,"
                + "prob_0,prob_1,prob_2,prob_3,prob_4", rows.get(0));
        assertEquals(13, rows.size());
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            assertEquals(16, f.length, row);
            double sum = 0, prev = 1;
            for (int k = 11; k < 16; k++) {
                double p = Double.parseDouble(f[k]);
                assertTrue(p <= prev + 1e-7, "probabilities in decreasing order: " + row);
                prev = p;
                sum += p;
            }
            assertTrue(sum > 0 && sum <= 1 + 1e-5, row);
            assertTrue(CLASSES.contains(f[6]), row);
        }
    }
}
