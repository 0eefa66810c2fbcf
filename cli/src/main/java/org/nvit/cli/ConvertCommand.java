package org.nvit.cli;

import org.nvit.weights.OutputGuard;
import org.nvit.weights.Models;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nvit.weights.PthWriter;
import org.nvit.weights.StateDicts;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nvit convert IN OUT}: any supported weight file to ours, the format chosen by OUT's extension: safetensors
 * (timm key layout, config in metadata) or a PyTorch {@code .pth} checkpoint ({@code {'model': state dict,
 * 'nvit_config': config JSON}}, which {@code torch.load} reads).
 */
@Command(name = "convert", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Convert a timm/DeiT/NViT checkpoint (.pth or .safetensors) to nvit safetensors or a PyTorch .pth "
                + "(timm names, config included); OUT's extension picks the format.")
public final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "input weight file")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output .safetensors or .pth file (written atomically)")
    Path out;

    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "attention heads: one count for every block or one per block (default: NViT's 'dim' or 64-wide heads)")
    String heads;

    @Override public Integer call() throws Exception {
        String name = out.getFileName().toString();
        boolean pth = name.endsWith(".pth") || name.endsWith(".pt");
        if (!pth && !name.endsWith(".safetensors"))
            throw new IllegalArgumentException("OUT must end in .safetensors or .pth (the extension picks the format), got " + out);
        OutputGuard.check("OUT", out, OutputGuard.input("IN", in));
        OutputFiles.check(in, out);
        WeightFiles.Loaded m = WeightFiles.load(in, Models.parseHeads(heads));
        OutputFiles.write(out, () -> {
            if (pth) PthWriter.write(out, m.config(), m.stateDict(), m.carriedMetadata());
            else WeightFiles.export(out, m.config(), m.stateDict(), m.carriedMetadata());
        });
        spec.commandLine().getOut().printf("wrote %s: %d tensors, %,d parameters, depth %d, embed %d%s%n", out,
                m.stateDict().size(), StateDicts.parameterCount(m.stateDict()), m.config().depth(), m.config().embedDim(),
                m.config().isUniform() ? " (uniform: timm layout)" : "");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
