package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BenchGemmCommandTest {
    @Test void tinyRunEndsWithJsonLine() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Nvit.run("bench", "gemm", "--m", "9", "--n", "17", "--k", "5", "--batch", "3", "--trans-b",
                    "--warmup", "1", "--repeats", "3", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        String[] lines = buf.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("{") && last.endsWith("}"), last);
        for (String key : new String[] {"\"m\":9", "\"n\":17", "\"k\":5", "\"batch\":3", "\"trans_b\":true", "\"threads\":"})
            assertTrue(last.contains(key), key + " missing in " + last);
        Matcher g = Pattern.compile("\"gflops\":([0-9.]+)").matcher(last);
        assertTrue(g.find(), last);
        assertTrue(Double.parseDouble(g.group(1)) > 0, last);
    }

    @Test void badSizeIsAUserError() {
        assertEquals(2, Nvit.run("bench", "gemm", "--m", "0"));
    }
}
