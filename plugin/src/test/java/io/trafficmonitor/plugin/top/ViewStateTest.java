package io.trafficmonitor.plugin.top;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.plugin.Options.SortKey;
import io.trafficmonitor.plugin.top.PodRates.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewStateTest {
  static final List<Row> ROWS =
      List.of(
          new Row("demo/web-1", 300, 10, 5, 5),
          new Row("demo/api-0", 100, 30, 50, 1),
          new Row("kube-system/dns-7", 200, 20, 1, 1));

  static List<String> names(ViewState s) {
    return s.apply(ROWS).stream().map(Row::name).toList();
  }

  @Test
  void eachSortKeyAndItsReverse() {
    assertThat(names(new ViewState(SortKey.RX, false, "")))
        .containsExactly("demo/web-1", "kube-system/dns-7", "demo/api-0");
    assertThat(names(new ViewState(SortKey.TX, false, "")))
        .containsExactly("demo/api-0", "kube-system/dns-7", "demo/web-1");
    assertThat(names(new ViewState(SortKey.NAME, false, "")))
        .containsExactly("demo/api-0", "demo/web-1", "kube-system/dns-7");
    assertThat(names(new ViewState(SortKey.PACKETS, false, "")))
        .containsExactly("demo/api-0", "demo/web-1", "kube-system/dns-7");
    assertThat(names(new ViewState(SortKey.RX, true, "")))
        .containsExactly("demo/api-0", "kube-system/dns-7", "demo/web-1");
  }

  @Test
  void keysCycleTheSortReverseAndQuit() {
    ViewState s = new ViewState(SortKey.RX, false, "");
    assertThat(s.key('s')).isTrue();
    assertThat(s.sort()).isEqualTo(SortKey.TX);
    s.key('s');
    s.key('s');
    s.key('s');
    assertThat(s.sort()).isEqualTo(SortKey.RX);
    s.key('r');
    assertThat(s.reverse()).isTrue();
    assertThat(s.key('x')).isFalse();
    assertThat(s.quit()).isFalse();
    s.key('q');
    assertThat(s.quit()).isTrue();
  }

  @Test
  void slashTypesAFilterThatEnterAppliesAndEscClears() {
    ViewState s = new ViewState(SortKey.RX, false, "");
    for (char c : "/DEMOx".toCharArray()) {
      s.key(c);
    }
    assertThat(s.editing()).isEqualTo("DEMOx");
    s.key(127); // backspace
    assertThat(names(s)).hasSize(3); // not applied while typed
    s.key('q'); // a letter of the filter, not quit
    s.key(127);
    s.key('\r');
    assertThat(s.quit()).isFalse();
    assertThat(s.editing()).isNull();
    assertThat(s.filter()).isEqualTo("DEMO");
    assertThat(names(s)).containsExactly("demo/web-1", "demo/api-0"); // any case

    s.key(ViewState.ESC);
    assertThat(s.filter()).isEmpty();
    s.key('/');
    s.key('d');
    s.key(ViewState.ESC);
    assertThat(s.editing()).isNull();
    assertThat(s.filter()).isEmpty();
  }
}
