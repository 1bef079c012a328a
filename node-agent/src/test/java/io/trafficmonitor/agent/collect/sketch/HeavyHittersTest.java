package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HeavyHittersTest {
  static final int FLOWS = 100_000;
  static final int PEERS = 20_000;
  static final int TALKER_FLOWS = 300;
  static final int ROUNDS = 5;

  static Flows flows;
  static List<Flows.Key> plantedFlows = new ArrayList<>();
  static List<Flows.Key> plantedTalkers = new ArrayList<>();

  /**
   * 100,000 flows to 20,000 peers: 10 planted heavy flows of 4.8 MB down to 3.0 MB (to random
   * peers), 10 planted talkers (peers PEERS..PEERS+9) of 11.6 MB down to 8 MB, each spread over 300
   * flows of 27 to 39 kB (none a top flow), and a tail of Zipf(1.1) flows of at most 1 MB.
   */
  @BeforeAll
  static void traffic() {
    SplittableRandom rnd = new SplittableRandom(2026);
    flows = Flows.empty(FLOWS);
    int[] slot = Flows.permutation(FLOWS, rnd); // planted flows at random places in the stream
    int next = 0;
    for (int j = 0; j < 10; j++) {
      int i = slot[next++];
      flows.set(i, rnd.nextInt(PEERS), 4_800_000 - 200_000L * j);
      plantedFlows.add(new Flows.Key().flow(flows, i));
    }
    for (int j = 0; j < 10; j++) {
      long each = (11_600_000 - 400_000L * j) / TALKER_FLOWS;
      for (int t = 0; t < TALKER_FLOWS; t++) {
        flows.set(slot[next++], PEERS + j, each);
      }
      plantedTalkers.add(new Flows.Key().peer(flows, slot[next - 1]));
    }
    for (int rank = 0; next < FLOWS; rank++) {
      flows.set(slot[next++], rnd.nextInt(PEERS), Math.round(1e6 / Math.pow(rank + 1, 1.1)));
    }
  }

  /** Streams the flows as the agent would: every flow's delta once per round, in some order. */
  private static void stream(HeavyHitters<Flows.Key> top, HeavyHitters<Flows.Key> talkers) {
    Flows.Key probe = new Flows.Key();
    SplittableRandom rnd = new SplittableRandom(5);
    for (int r = 0; r < ROUNDS; r++) {
      for (int i : Flows.permutation(FLOWS, rnd)) {
        long d = flows.delta(i, r, ROUNDS);
        top.add(probe.flow(flows, i), flows.flowHash(i), d);
        talkers.add(probe.peer(flows, i), flows.peerHash(i), d);
      }
    }
  }

  private static <K> List<K> keys(List<HeavyHitters.Entry<K>> entries) {
    return entries.stream().map(HeavyHitters.Entry::key).toList();
  }

  @Test
  void findsThePlantedTopFlowsAndTopTalkersInOrder() {
    HeavyHitters<Flows.Key> top =
        new HeavyHitters<>(10, CountMinSketch.forError(0.001, 0.01), Flows.Key::copy);
    HeavyHitters<Flows.Key> talkers =
        new HeavyHitters<>(10, CountMinSketch.forError(0.001, 0.01), Flows.Key::copy);
    stream(top, talkers);

    assertThat(keys(top.top())).containsExactlyElementsOf(plantedFlows);
    assertThat(keys(talkers.top())).containsExactlyElementsOf(plantedTalkers);

    Map<Flows.Key, Long> flowBytes = new HashMap<>();
    Map<Flows.Key, Long> peerBytes = new HashMap<>();
    for (int i = 0; i < FLOWS; i++) {
      flowBytes.put(new Flows.Key().flow(flows, i), flows.bytes[i]);
      peerBytes.merge(new Flows.Key().peer(flows, i), flows.bytes[i], Long::sum);
    }
    for (var hh : List.of(top, talkers)) {
      Map<Flows.Key, Long> truth = hh == top ? flowBytes : peerBytes;
      for (HeavyHitters.Entry<Flows.Key> e : hh.top()) {
        assertThat(e.estimate())
            .isBetween(truth.get(e.key()), truth.get(e.key()) + (long) hh.sketch().errorBound());
      }
    }
  }

  @Test
  void aKeyGrowingInSmallStepsEntersOnceItsSumIsLarge() {
    HeavyHitters<Long> hh = new HeavyHitters<>(3, new CountMinSketch(1024, 4));
    for (long key = 1; key <= 3; key++) {
      hh.add(key, Hashing.hash64(key), 1000 * key);
    }
    for (int step = 1; step <= 4000; step++) {
      hh.add(99L, Hashing.hash64(99L), 1);
      assertThat(keys(hh.top())).hasSize(3).contains(step <= 1000 ? 1L : 99L);
    }
    assertThat(hh.top())
        .containsExactly(
            new HeavyHitters.Entry<>(99L, 4000),
            new HeavyHitters.Entry<>(3L, 3000),
            new HeavyHitters.Entry<>(2L, 2000));
  }

  @Test
  void rejectsKBelowOne() {
    assertThatThrownBy(() -> new HeavyHitters<Long>(0, new CountMinSketch(64, 2)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
