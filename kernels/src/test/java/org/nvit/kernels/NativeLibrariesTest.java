package org.nvit.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Where the driver and cuBLAS are looked for when the loader misses them, on a fake file-system tree. */
class NativeLibrariesTest {
    @TempDir Path root;

    private Path file(String path) throws Exception {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "");
        return p;
    }

    @Test
    void cublasFromTheNewestToolkitFirstThenPythonWheels() throws Exception {
        file("usr/local/cuda-12.4/lib64/libcublas.so.12");
        Path t13 = file("usr/local/cuda-13.1/targets/x86_64-linux/lib/libcublas.so.13");
        Path wheel = file("home/u/.local/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13");
        NativeLibraries libs = new NativeLibraries(Map.of("HOME", "/home/u"), root);
        var s = NativeLibraries.find(libs.libraryFolders(), FfmCublasBlas.LIBRARIES);
        assertEquals(t13, s.found().orElseThrow());
        Files.delete(t13);
        Files.delete(root.resolve("usr/local/cuda-12.4/lib64/libcublas.so.12"));
        s = NativeLibraries.find(libs.libraryFolders(), FfmCublasBlas.LIBRARIES);
        assertEquals(wheel, s.found().orElseThrow(), "PyTorch's wheel when no toolkit has it");
        // a virtual environment and CUDA_HOME come before the system folders
        Path venv = file("work/venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.13");
        Path home = file("opt/nv/lib64/libcublas.so.13");
        libs = new NativeLibraries(Map.of("HOME", "/home/u", "VIRTUAL_ENV", "/work/venv", "CUDA_HOME", "/opt/nv"), root);
        assertEquals(home, NativeLibraries.find(libs.libraryFolders(), FfmCublasBlas.LIBRARIES).found().orElseThrow());
        Files.delete(home);
        assertEquals(venv, NativeLibraries.find(libs.libraryFolders(), FfmCublasBlas.LIBRARIES).found().orElseThrow());
    }

    @Test
    void theDriverFromWslContainersOrTheToolkitsCompatFolder() throws Exception {
        NativeLibraries libs = new NativeLibraries(Map.of(), root);
        var none = NativeLibraries.find(libs.driverFolders(), List.of("libcuda.so.1"));
        assertTrue(none.found().isEmpty());
        assertTrue(none.describe().contains(root.resolve("usr/lib/wsl/lib").toString()), none.describe());
        assertTrue(none.describe().contains(root.resolve("usr/local/nvidia/lib64").toString()), none.describe());
        Path compat = file("usr/local/cuda/compat/libcuda.so.1");
        assertEquals(compat, NativeLibraries.find(libs.driverFolders(), List.of("libcuda.so.1")).found().orElseThrow());
        Path wsl = file("usr/lib/wsl/lib/libcuda.so.1");
        assertEquals(wsl, NativeLibraries.find(libs.driverFolders(), List.of("libcuda.so.1")).found().orElseThrow());
        Path ld = file("x/libcuda.so.1");
        libs = new NativeLibraries(Map.of("LD_LIBRARY_PATH", "/nowhere:/x"), root);
        assertEquals(ld, NativeLibraries.find(libs.driverFolders(), List.of("libcuda.so.1")).found().orElseThrow());
    }

    @Test
    void withoutADriverTheReasonNamesTheFoldersSearched() {
        var gpu = CudaBackend.tryCreate();
        org.junit.jupiter.api.Assumptions.assumeTrue(gpu.isEmpty(), "a GPU is present");
        String why = CudaBackend.unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(why.contains("libcuda.so.1"), "a driver is installed: " + why);
        assertTrue(why.contains("/usr/lib/wsl/lib") && why.contains("compat"), why);
    }
}
