package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.export.OnnxExport;
import org.nvit.weights.Models;
import org.nvit.models.VitConfig;
import org.nvit.weights.PthWriter;
import org.nvit.weights.StateDicts;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit export}: a model leaves nvit, ragged or not. {@code onnx}: opset 17 for ONNX Runtime, TensorRT and the
 * like (input {@code images} [batch, C, H, W] float32, already normalised; output {@code logits}). {@code pth}: a
 * {@code torch.save}-format checkpoint ({@code {'model': state dict, 'nvit_config': JSON}}).
 */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Export a checkpoint as ONNX (opset 17, for deployment) or as a PyTorch .pth checkpoint.")
public final class ExportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--checkpoint", required = true,
            description = "model weights: our .safetensors or .pth, timm's, or a DeiT/NViT PyTorch checkpoint")
    Path checkpoint;

    @Option(names = "--format", required = true, paramLabel = "onnx|pth", description = "onnx or pth")
    String format;

    @Option(names = "--output", required = true, description = "file to write (written atomically: never half a file)")
    Path output;

    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "attention heads per block, for files without a stored config (\"12\" or \"4,6,..\")")
    String heads;

    @Override public Integer call() throws Exception {
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals("onnx") && !f.equals("pth"))
            throw new IllegalArgumentException("unknown --format '" + format + "': use onnx or pth");
        OutputFiles.check(checkpoint, output);
        WeightFiles.Loaded m = WeightFiles.load(checkpoint, Models.parseHeads(heads));
        VitConfig c = m.config();
        OutputFiles.write(output, () -> {
            if (f.equals("onnx")) OnnxExport.write(output, c, m.stateDict(), m.carriedMetadata());
            else PthWriter.write(output, c, m.stateDict(), m.carriedMetadata());
        });
        PrintWriter out = spec.commandLine().getOut();
        String kind = f.equals("onnx")
                ? String.format("ONNX opset %d, input '%s' [batch, %d, %d, %d], output '%s' [batch, %d]", OnnxExport.OPSET,
                        OnnxExport.INPUT, c.inChans(), c.imageSize(), c.imageSize(), OnnxExport.OUTPUT, c.numClasses())
                : "PyTorch checkpoint {'" + PthWriter.MODEL_KEY + "': state dict, '" + PthWriter.CONFIG_KEY + "': config}";
        out.printf("wrote %s: %s; %,d parameters, depth %d, embed %d%s%n", output, kind,
                StateDicts.parameterCount(m.stateDict()), c.depth(), c.embedDim(), c.isUniform() ? "" : " (ragged)");
        out.flush();
        return 0;
    }
}
