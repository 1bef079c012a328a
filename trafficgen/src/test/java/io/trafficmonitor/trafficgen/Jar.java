package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built jar as a process, for the *IT tests: servers, clients and their SUMMARY lines. */
final class Jar {
  private static final Path JAR = Path.of("target/trafficgen.jar");

  private Jar() {}

  static Process start(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Runs a client to its end and returns its SUMMARY line; it must exit 0. */
  static String client(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("client", "--quiet"));
    all.addAll(List.of(args));
    Process client = start(all.toArray(String[]::new));
    assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(client.exitValue()).as(out).isZero();
    return out.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow();
  }

  /** Runs a client that must fail (exit 1) and returns what it wrote to stderr. */
  static String failingClient(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "client"));
    cmd.addAll(List.of(args));
    Process client =
        new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(client.exitValue()).as(err).isEqualTo(1);
    return err;
  }

  static long field(String summary, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(summary);
    assertThat(m.find()).as(name + " in " + summary).isTrue();
    return Long.parseLong(m.group(1));
  }

  static double seconds(String summary) {
    Matcher m = Pattern.compile("\"seconds\":([0-9.]+)").matcher(summary);
    assertThat(m.find()).as("seconds in " + summary).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** A server on a free loopback port, once it listens. */
  static final class Server implements AutoCloseable {
    final Process process;
    final BufferedReader out;

    /** host:port it listens on. */
    final String target;

    Server(String protocol, String... more) throws Exception {
      List<String> args =
          new ArrayList<>(
              List.of("server", "--protocol", protocol, "--listen", "127.0.0.1:0", "--quiet"));
      args.addAll(List.of(more));
      process = start(args.toArray(String[]::new));
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String listening = out.readLine();
      assertThat(listening).startsWith("LISTENING 127.0.0.1:");
      target = listening.substring("LISTENING ".length());
    }

    /** Stops the server (SIGTERM) and returns the SUMMARY it prints then. */
    String stop() throws Exception {
      process.toHandle().destroy();
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      return out.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
