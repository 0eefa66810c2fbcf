/**
 * Weight files: reading safetensors ({@link org.nvit.models.io.Safetensors}) and PyTorch zip checkpoints
 * ({@link org.nvit.models.io.PthReader}, with a restricted unpickler that never executes anything), mapping timm/DeiT
 * and NViT (dense and sparse) state dicts to our timm-style names ({@link org.nvit.models.io.StateDicts}), inferring
 * the model config from shapes ({@link org.nvit.models.io.ConfigInference}), and loading/exporting whole models
 * ({@link org.nvit.models.io.WeightFiles}). Readers treat files as untrusted: every length, offset, shape and stride is
 * checked against the real file before use, and failures are {@link org.nvit.models.io.WeightFileException} or
 * {@link org.nvit.models.io.StateDictException} with a one-line message.
 */
package org.nvit.models.io;
