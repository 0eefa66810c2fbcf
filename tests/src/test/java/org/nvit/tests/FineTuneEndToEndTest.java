package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Rng;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;

/**
 * What people do with downloaded weights: {@code nvit train --finetune} of a 10-class Fashion-MNIST model on a
 * 5-class folder of colour images, at another image size, then {@code nvit eval} of the result.
 */
class FineTuneEndToEndTest {
    /** DIR/{train,val}/class_k/*.png: colour 28x28 images whose class is the position of a bright bar. */
    static Path folder(Path dir, int perClassTrain, int perClassVal) throws Exception {
        Rng rng = new Rng(4);
        for (String split : List.of("train", "val"))
            for (int c = 0; c < 5; c++) {
                Path d = Files.createDirectories(dir.resolve(split).resolve("class_" + c));
                for (int i = 0; i < (split.equals("train") ? perClassTrain : perClassVal); i++) {
                    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 28; y++)
                        for (int x = 0; x < 28; x++) {
                            boolean bar = x / 6 == c;
                            int v = Math.min(255, (bar ? 180 : 30) + rng.nextInt(50));
                            img.setRGB(x, y, (v << 16) | ((v / 2) << 8) | (255 - v));
                        }
                    ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
                }
            }
        return dir;
    }

    @Test void finetuneOnAFiveClassFolderAtAnotherImageSizeRunsAndEvaluates(@TempDir Path tmp) throws Exception {
        VitConfig fm = Presets.byName("vit_fmnist_patch7");
        assertEquals(10, fm.numClasses());
        Path ck = tmp.resolve("fmnist.safetensors");
        WeightFiles.export(ck, fm, new VisionTransformer(fm, 1).stateDict());
        Path data = folder(tmp.resolve("images"), 16, 4), out = tmp.resolve("ft");

        CliEndToEndTest.Run t = CliEndToEndTest.nvit("train", "--finetune", ck.toString(), "--data", "imagefolder:" + data,
                "--img-size", "35", "--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--output", out.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("new 5-class head"), t.err());
        assertTrue(t.err().contains("resampled bicubically from a 4x4 to a 5x5 patch grid"), t.err());
        VitConfig tuned = WeightFiles.load(out.resolve("model.safetensors"), List.of()).config();
        assertEquals(5, tuned.numClasses());
        assertEquals(35, tuned.imageSize());
        assertEquals(1, tuned.inChans());

        CliEndToEndTest.Run e = CliEndToEndTest.nvit("eval", "--checkpoint", out.resolve("model.safetensors").toString(),
                "--data", "imagefolder:" + data, "--json");
        assertEquals(0, e.code(), e.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.out());
        assertEquals(20, json.get("images").asInt(), e.out());
        assertEquals(35, json.get("img_size").asInt(), "the fine-tuned size, stored in the model file: " + e.out());

        // --init keeps its strict meaning: a 10-class model does not load onto 5-class data
        CliEndToEndTest.Run strict = CliEndToEndTest.nvit("train", "--init", ck.toString(), "--data", "imagefolder:" + data,
                "--epochs", "1", "--output", tmp.resolve("strict").toString());
        assertEquals(2, strict.code());
        assertTrue(strict.err().contains("use --finetune"), strict.err());
    }
}
