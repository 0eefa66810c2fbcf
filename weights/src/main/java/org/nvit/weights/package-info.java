/**
 * Weight files: reading safetensors ({@link org.nvit.weights.Safetensors}) and PyTorch zip checkpoints
 * ({@link org.nvit.weights.PthReader}, with a restricted unpickler that never executes anything and a zip reader,
 * {@link org.nvit.weights.ZipArchive}, that refuses aliased, duplicate or corrupt members), mapping timm/DeiT and
 * NViT (dense and sparse) state dicts to our timm-style names ({@link org.nvit.weights.StateDicts}), inferring the
 * model config from shapes ({@link org.nvit.weights.ConfigInference}), loading/exporting whole models
 * ({@link org.nvit.weights.WeightFiles}) and writing files atomically ({@link org.nvit.weights.AtomicFiles}).
 *
 * <p>Readers treat files as untrusted: every length, offset, shape, stride, nesting depth and decoded size is checked
 * against the real file before use, the work a file can ask for is bounded, and failures are
 * {@link org.nvit.weights.WeightFileException} or {@link org.nvit.weights.StateDictException} with a one-line
 * message naming the file. Text from files is escaped before it is shown ({@link org.nvit.weights.Printable}), and
 * non-tensor values, which may be deep, cyclic or shared, are rendered within a budget
 * ({@link org.nvit.weights.ValueFormat}). {@link org.nvit.weights.InputFiles} names the file when an input is a
 * folder or not text.
 */
package org.nvit.weights;
