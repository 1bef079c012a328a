package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The generator runs on the images' jlinked JRE: the modules that jdeps finds in its classes are
 * among those images/jre.sh links. (jdeps cannot see service providers: the EC keys of https come
 * from jdk.crypto.ec, which the JRE holds too.)
 */
class ImageModulesTest {

  @Test
  void usesOnlyModulesOfTheImageJre() throws Exception {
    Set<String> jre = new HashSet<>();
    Matcher m =
        Pattern.compile("jre_modules\\+?=,?([\\w.,]+)")
            .matcher(Files.readString(Path.of("../images/jre.sh")));
    while (m.find()) {
      jre.addAll(Arrays.asList(m.group(1).split(",")));
    }
    assertThat(jre).contains("java.base", "jdk.crypto.ec");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        ToolProvider.findFirst("jdeps")
            .orElseThrow()
            .run(
                new PrintWriter(out),
                new PrintWriter(err),
                "--print-module-deps",
                "--ignore-missing-deps",
                "target/classes");
    assertThat(rc).as(err.toString()).isZero();
    Set<String> used = Set.of(out.toString().strip().split(","));
    assertThat(jre).containsAll(used);
  }
}
