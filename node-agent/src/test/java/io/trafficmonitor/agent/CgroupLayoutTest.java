package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.agent.CgroupLayout.Driver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupLayoutTest {
  static final String UID = "0f1e2d3c-aaaa-bbbb-cccc-123456789abc";

  @Test
  void systemdDriverUsesSlicesAndUnderscores() {
    assertThat(CgroupLayout.podDir(Driver.SYSTEMD, UID, "Burstable"))
        .isEqualTo(
            Path.of(
                "kubepods.slice/kubepods-burstable.slice/"
                    + "kubepods-burstable-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice"));
    assertThat(CgroupLayout.podDir(Driver.SYSTEMD, UID, "BestEffort"))
        .isEqualTo(
            Path.of(
                "kubepods.slice/kubepods-besteffort.slice/"
                    + "kubepods-besteffort-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice"));
  }

  @Test
  void guaranteedPodsSitDirectlyUnderKubepods() {
    assertThat(CgroupLayout.podDir(Driver.SYSTEMD, UID, "Guaranteed"))
        .isEqualTo(
            Path.of("kubepods.slice/kubepods-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice"));
    assertThat(CgroupLayout.podDir(Driver.CGROUPFS, UID, "Guaranteed"))
        .isEqualTo(Path.of("kubepods/pod" + UID));
  }

  @Test
  void cgroupfsDriverKeepsTheUid() {
    assertThat(CgroupLayout.podDir(Driver.CGROUPFS, UID, "BestEffort"))
        .isEqualTo(Path.of("kubepods/besteffort/pod" + UID));
  }

  @Test
  void findTriesTheOtherClassesAndDriversWhenTheStatusHasNoQosClass(@TempDir Path root)
      throws Exception {
    Path dir = root.resolve(CgroupLayout.podDir(Driver.CGROUPFS, UID, "Burstable"));
    Files.createDirectories(dir);
    assertThat(CgroupLayout.find(root, Driver.AUTO, UID, null)).contains(dir);
    assertThat(CgroupLayout.find(root, Driver.AUTO, UID, "BestEffort")).contains(dir);
    assertThat(CgroupLayout.find(root, Driver.SYSTEMD, UID, "Burstable")).isEmpty();
    assertThat(CgroupLayout.candidates(root, Driver.AUTO, UID, "BestEffort").get(0))
        .isEqualTo(root.resolve(CgroupLayout.podDir(Driver.SYSTEMD, UID, "BestEffort")));
  }

  @Test
  void cgroup2MountComesFromMountinfo() {
    String mountinfo =
        "25 30 0:22 / /sys/fs/cgroup rw,relatime shared:9 - tmpfs tmpfs rw,mode=755\n"
            + "31 25 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu\n"
            + "40 25 0:35 / /sys/fs/cgroup/unified rw,relatime shared:19 - cgroup2 cgroup2 rw\n";
    assertThat(CgroupLayout.cgroup2Mount(mountinfo)).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(CgroupLayout.cgroup2Mount("1 2 0:1 / / rw - ext4 /dev/sda rw\n")).isEmpty();
  }

  @Test
  void driverParsing() {
    assertThat(Driver.parse("systemd")).isEqualTo(Driver.SYSTEMD);
    assertThat(Driver.parse(" cgroupfs ")).isEqualTo(Driver.CGROUPFS);
  }
}
