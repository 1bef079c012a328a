package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class NativeTest {
  @Test
  void extractionDirectoriesConfiguredFirstThenTmpdirThenDevShm() {
    Properties p = new Properties();
    p.setProperty("java.io.tmpdir", "/tmp");
    assertEquals(List.of(Path.of("/tmp"), Path.of("/dev/shm")), Native.extractDirs(Map.of(), p));
    assertEquals(
        List.of(Path.of("/lib/tm"), Path.of("/tmp"), Path.of("/dev/shm")),
        Native.extractDirs(Map.of("TM_NATIVE_DIR", "/lib/tm"), p));
    p.setProperty("trafficmonitor.native.dir", "/opt/tm");
    assertEquals(
        List.of(Path.of("/opt/tm"), Path.of("/tmp"), Path.of("/dev/shm")),
        Native.extractDirs(Map.of("TM_NATIVE_DIR", "/lib/tm"), p));
    p.setProperty("java.io.tmpdir", "/dev/shm");
    assertEquals(List.of(Path.of("/opt/tm"), Path.of("/dev/shm")), Native.extractDirs(Map.of(), p));
  }
}
