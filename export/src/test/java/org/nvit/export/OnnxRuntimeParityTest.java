package org.nvit.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

/**
 * The exported ONNX file, run in ONNX Runtime (the runtime people deploy with), gives our own evaluation logits
 * (what {@code nvit infer} writes) within 1e-4 relative, at batch 1 and batch 7, for a uniform, a distilled and ragged
 * models. Relative error here is max |ort - ours| / max |ours| over the batch's logits.
 *
 * <p>ONNX Runtime comes from npm (see {@link OnnxRuntimeInstall}); where npm cannot reach its registry the test is
 * skipped with the reason, unless {@code NVIT_REQUIRE_ONNXRUNTIME} is set (CI), where that is a failure.
 */
class OnnxRuntimeParityTest {
    private static final double TOLERANCE = 1e-4;
    private static OnnxRuntime ort;
    private static String unavailable;

    @TempDir static Path dir;

    @BeforeAll static void loadRuntime() throws Throwable {
        try {
            ort = new OnnxRuntime(OnnxRuntimeInstall.library());
        } catch (OnnxRuntimeInstall.Unavailable e) {
            unavailable = e.getMessage();
        }
    }

    @AfterAll static void closeRuntime() throws Throwable {
        if (ort != null) ort.close();
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("uniform", TestModels.uniform()),
                Arguments.of("distilled", TestModels.distilled()),
                Arguments.of("pruned fashion-mnist (ragged, avg pool)", TestModels.prunedFashionMnist()),
                Arguments.of("ragged distilled", TestModels.raggedDistilled()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logitsMatchOurInference(String name, VitConfig cfg) throws Throwable {
        if (ort == null) {
            String why = "ONNX Runtime is not available, parity not checked: " + unavailable;
            if (System.getenv("NVIT_REQUIRE_ONNXRUNTIME") != null) fail(why);
            Assumptions.abort(why);
        }
        VisionTransformer model = TestModels.randomModel(cfg, name.hashCode());
        Path file = dir.resolve(name.replaceAll("\\W+", "_") + ".onnx");
        OnnxExport.write(file, cfg, model.stateDict());
        try (OnnxRuntime.Session s = ort.open(file)) {
            for (int batch : new int[] {1, 7}) {
                Tensor images = TestModels.images(cfg, batch, 1000L + batch);
                float[] ours = model.predict(images).toFloatArray();
                int sz = cfg.imageSize();
                OnnxRuntime.Result r = s.run(OnnxExport.INPUT, images.toFloatArray(),
                        new long[] {batch, cfg.inChans(), sz, sz}, OnnxExport.OUTPUT);
                assertArrayEquals(new long[] {batch, cfg.numClasses()}, r.shape(), "logits shape");
                double maxAbs = 0, maxRef = 0;
                for (int i = 0; i < ours.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(r.values()[i] - ours[i]));
                    maxRef = Math.max(maxRef, Math.abs(ours[i]));
                }
                double rel = maxAbs / maxRef;
                System.out.printf("onnxruntime %s, %s, batch %d: max relative error %.2e (max abs %.2e, max |logit| %.3f)%n",
                        ort.version, name, batch, rel, maxAbs, maxRef);
                assertTrue(maxRef > 0.1, "logits too small to compare meaningfully: " + maxRef);
                assertTrue(rel <= TOLERANCE, name + " batch " + batch + ": relative error " + rel + " > " + TOLERANCE);
            }
        }
    }
}
