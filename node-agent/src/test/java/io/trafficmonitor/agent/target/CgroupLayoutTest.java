package io.trafficmonitor.agent.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.agent.target.CgroupLayout.Driver;
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

  static final String UID2 = "11111111-2222-3333-4444-555555555555";

  static String u(String uid) {
    return uid.replace('-', '_');
  }

  @Test
  void theKubeletLayoutsAreTriedFirst(@TempDir Path root) throws Exception {
    Path dir =
        Files.createDirectories(
            root.resolve(CgroupLayout.podDir(Driver.SYSTEMD, UID, "Burstable")));
    CgroupLayout.Finder f = new CgroupLayout.Finder(root, Driver.AUTO);
    assertThat(f.find(UID, "Burstable")).contains(dir);
    assertThat(f.searches()).isZero();
  }

  @Test
  void cgroupfsUnderAnotherCgroupRootIsSearchedOnceThenKnown(@TempDir Path root) throws Exception {
    // a kubelet with cgroupRoot /tm-node1 (the rig's second node, REAL-NODES §7)
    Path kubepods = root.resolve("tm-node1/kubepods");
    Path a = Files.createDirectories(kubepods.resolve("besteffort/pod" + UID + "/c1/deeper"));
    Path b = Files.createDirectories(kubepods.resolve("burstable/pod" + UID2));
    Files.createDirectories(root.resolve("system.slice/ssh.service"));
    CgroupLayout.Finder f = new CgroupLayout.Finder(root, Driver.AUTO);
    assertThat(f.find(UID, "BestEffort")).contains(a.getParent().getParent());
    assertThat(f.searches()).isEqualTo(1);
    assertThat(f.parents())
        .contains(kubepods.resolve("besteffort"), kubepods, kubepods.resolve("burstable"));
    // the next pod, of another QoS class, is where the first one taught to look
    assertThat(f.find(UID2, "Burstable")).contains(b);
    assertThat(f.searches()).isEqualTo(1);
  }

  @Test
  void systemdSlicesUnderAnotherRootAreFoundByTheirNames(@TempDir Path root) throws Exception {
    // cgroupRoot kubelet.slice: systemd nests the parents' names into each slice's
    Path kubepods = root.resolve("kubelet.slice/kubelet-kubepods.slice");
    Path a =
        Files.createDirectories(
            kubepods.resolve(
                "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod"
                    + u(UID)
                    + ".slice"));
    Path g = Files.createDirectories(kubepods.resolve("kubelet-kubepods-pod" + u(UID2) + ".slice"));
    CgroupLayout.Finder f = new CgroupLayout.Finder(root, Driver.SYSTEMD);
    assertThat(f.find(UID, "BestEffort")).contains(a);
    assertThat(f.find(UID2, "Guaranteed")).contains(g);
    assertThat(f.searches()).isEqualTo(1);
    assertThat(new CgroupLayout.Finder(root, Driver.CGROUPFS).find(UID, null)).isEmpty();
  }

  @Test
  void kindsNestedKubeletIsFound(@TempDir Path root) throws Exception {
    Path pod = Files.createDirectories(root.resolve("kubelet/kubepods/pod" + UID));
    assertThat(new CgroupLayout.Finder(root, Driver.AUTO).find(UID, "Guaranteed")).contains(pod);
  }

  @Test
  void theSearchIsBounded(@TempDir Path root) throws Exception {
    // deeper than MAX_DEPTH, or inside another pod: not looked at
    Path deep = root;
    for (int i = 0; i < CgroupLayout.Finder.MAX_DEPTH; i++) {
      deep = deep.resolve("d" + i);
    }
    Files.createDirectories(deep.resolve("pod" + UID));
    Files.createDirectories(root.resolve("kubepods/besteffort/pod" + UID2 + "/pod" + UID));
    CgroupLayout.Finder f = new CgroupLayout.Finder(root, Driver.AUTO);
    assertThat(f.find(UID, null)).isEmpty();
    assertThat(f.parents()).isEmpty();
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
