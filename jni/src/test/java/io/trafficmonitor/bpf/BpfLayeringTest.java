package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The one arrow between the layers, read from the sources (no kernel): {@code
 * io.trafficmonitor.datapath.*} uses {@code io.trafficmonitor.bpf}, never the other way round, and
 * the two datapaths ({@code flow}, {@code tcp}) do not use each other. A reference is an import or
 * a qualified name in the code; comments and strings do not count.
 */
class BpfLayeringTest {
  private static final Pattern REFERENCE = Pattern.compile("\\bio\\.trafficmonitor\\.([a-z.]+)\\.");

  @Test
  void theBindingUsesNoDatapath() {
    for (String tree : List.of("src/main/java", "src/test/java")) {
      assertEquals(
          List.of(),
          references(module().resolve(tree).resolve("io/trafficmonitor/bpf"), "datapath"),
          tree + ": io.trafficmonitor.bpf must not use io.trafficmonitor.datapath");
    }
  }

  @Test
  void theDatapathsUseOnlyTheBindingAndThemselves() {
    Path main = module().resolve("src/main/java/io/trafficmonitor/datapath");
    assertEquals(List.of(), references(main.resolve("flow"), "datapath.tcp"), "flow -> tcp");
    assertEquals(List.of(), references(main.resolve("tcp"), "datapath.flow"), "tcp -> flow");
  }

  @Test
  void theScanSeesReferences() {
    List<String> found =
        references(module().resolve("src/main/java/io/trafficmonitor/datapath/flow"), "bpf");
    assertTrue(
        found.stream().anyMatch(f -> f.startsWith("FlowDatapath.java")), "flow -> bpf: " + found);
  }

  /** "File.java:line: text" of every reference in dir's .java files to a package under prefix. */
  private static List<String> references(Path dir, String packagePrefix) {
    assertTrue(Files.isDirectory(dir), dir + " is not a directory");
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String[] lines = code(Files.readString(f)).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
          Matcher m = REFERENCE.matcher(lines[i]);
          while (m.find()) {
            String pkg = m.group(1);
            if (pkg.equals(packagePrefix) || pkg.startsWith(packagePrefix + ".")) {
              out.add(f.getFileName() + ":" + (i + 1) + ": " + lines[i].trim());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The source with comments and string literals blanked, line breaks kept. */
  static String code(String src) {
    StringBuilder b = new StringBuilder(src.length());
    int i = 0;
    while (i < src.length()) {
      char c = src.charAt(i);
      if (src.startsWith("//", i)) {
        while (i < src.length() && src.charAt(i) != '\n') {
          i++;
        }
      } else if (src.startsWith("/*", i)) {
        int end = src.indexOf("*/", i + 2);
        end = end < 0 ? src.length() : end + 2;
        src.substring(i, end).chars().filter(ch -> ch == '\n').forEach(ch -> b.append('\n'));
        i = end;
      } else if (c == '"' || c == '\'') {
        b.append(c);
        i++;
        while (i < src.length() && src.charAt(i) != c && src.charAt(i) != '\n') {
          i += src.charAt(i) == '\\' ? 2 : 1;
        }
        if (i < src.length() && src.charAt(i) == c) {
          b.append(c);
          i++;
        }
      } else {
        b.append(c);
        i++;
      }
    }
    return b.toString();
  }

  /** This module's directory: Maven's basedir, else the working directory. */
  private static Path module() {
    String basedir = System.getProperty("basedir");
    Path dir = Path.of(basedir != null ? basedir : "").toAbsolutePath();
    assertTrue(
        Files.isDirectory(dir.resolve("src/main/java/io/trafficmonitor/bpf")), dir.toString());
    return dir;
  }
}
