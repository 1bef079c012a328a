package io.trafficmonitor.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): the packaged agent's
 * CPU with 1, 10 and 100 watchers of a monitor's interval stream, at 10 ms and 1 s intervals, two
 * pods exchanging 100 datagrams a second (set up as {@link IntervalStreamIT} does). Run: {@code
 * CI=true mvn -pl node-agent verify -Dtest=IntervalStreamBench
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false}
 * after {@code mvn package}; results in target/interval-stream-bench.md.
 */
class IntervalStreamBench {
  @RegisterExtension static final AgentOnTestNode site = IntervalStreamIT.site;

  @BeforeAll
  static void setUp() throws Exception {
    IntervalStreamIT.setUp();
  }

  @Test
  void agentCpuWithWatchers() throws Exception {
    StringBuilder md =
        new StringBuilder("| interval | watchers | agent CPU (cores) |\n|---|---:|---:|\n");
    for (String interval : new String[] {"10ms", "1s"}) {
      for (int n : new int[] {0, 1, 10, 100}) {
        double cores = IntervalStreamIT.watchers(n, interval, 20);
        md.append(String.format("| %s | %d | %.3f |%n", interval, n, cores));
      }
    }
    System.out.println(md);
    Files.writeString(Path.of("target", "interval-stream-bench.md"), md.toString());
  }
}
