package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TomlTest {

  private static Map<String, Toml.Table> parse(String text) {
    return Toml.parse(text, "t.toml");
  }

  @Test
  void readsTheSubset() {
    Map<String, Toml.Table> t =
        parse(
            """
            # a comment
            name = "a \\"quoted\\" \\\\ \\u00e9 # not a comment"   # a comment
            path = 'C:\\temp\\x'
            big = 1_000_000
            negative = -3
            ratio = 0.5
            exp = 1.5e6
            yes = true
            no = false

            [client]   # a table
            rate = "10Mbit"
            """);
    Map<String, Toml.Value> top = t.get("").values();
    assertThat(top.get("name").value()).isEqualTo("a \"quoted\" \\ é # not a comment");
    assertThat(top.get("path").value()).isEqualTo("C:\\temp\\x");
    assertThat(top.get("big").value()).isEqualTo(1_000_000L);
    assertThat(top.get("negative").value()).isEqualTo(-3L);
    assertThat(top.get("ratio").value()).isEqualTo(0.5);
    assertThat(top.get("exp").text()).isEqualTo("1500000");
    assertThat(top.get("yes").value()).isEqualTo(true);
    assertThat(top.get("no").type()).isEqualTo("a boolean");
    assertThat(top.get("big").line()).isEqualTo(4);
    assertThat(t.get("client").line()).isEqualTo(11);
    assertThat(t.get("client").values().get("rate").value()).isEqualTo("10Mbit");
    assertThat(parse("").get("").values()).isEmpty();
  }

  @Test
  void refusesWhatItDoesNotReadNamingTheLine() {
    String[][] cases = {
      {"a = [1, 2]", "t.toml:1: arrays are not supported"},
      {"a = {b = 1}", "t.toml:1: inline tables are not supported"},
      {"a.b = 1", "t.toml:1: a key is a bare key (letters, digits, - and _; no dots, no quotes)"},
      {"\"a\" = 1", "t.toml:1: a key is a bare key"},
      {"[[t]]", "t.toml:1: arrays of tables ([[...]]) are not supported"},
      {"[a.b]", "t.toml:1: a table name is a bare key"},
      {"[a", "t.toml:1: a table header needs its closing ]"},
      {"[a] x", "t.toml:1: unexpected 'x' after [a]"},
      {"\n\na", "t.toml:3: expected key = value or [table]"},
      {"a =", "t.toml:1: a has no value"},
      {"a = # nothing", "t.toml:1: a has no value"},
      {"a = \"open", "t.toml:1: a string needs its closing \""},
      {"a = 'open", "t.toml:1: a string needs its closing '"},
      {"a = \"\"\"x\"\"\"", "t.toml:1: multi-line strings are not supported"},
      {"a = \"x\" y", "t.toml:1: unexpected 'y' after the string"},
      {"a = \"\\q\"", "t.toml:1: unknown escape \\q in a string"},
      {"a = \"\\u12\"", "t.toml:1: a \\u escape needs 4 hex digits"},
      {"a = 1979-05-27", "t.toml:1: '1979-05-27' is not a string, decimal integer, float"},
      {"a = 0x10", "t.toml:1: '0x10' is not a string"},
      {"a = 012", "t.toml:1: '012' is not a string"},
      {"a = inf", "t.toml:1: 'inf' is not a string"},
      {"a = 99999999999999999999", "t.toml:1: 99999999999999999999 does not fit in 64 bits"},
      {"a = 1\nb = 2\na = 3", "t.toml:3: a is already set on line 1"},
      {"[a]\n[b]\n[a]", "t.toml:3: table [a] appears twice"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> parse(c[0]))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(c[1]);
    }
  }

  @Test
  void keysRepeatAcrossTables() {
    Map<String, Toml.Table> t = parse("a = 1\r\n[x]\r\na = 2\r\n");
    assertThat(t.get("").values().get("a").value()).isEqualTo(1L);
    assertThat(t.get("x").values().get("a").value()).isEqualTo(2L);
  }
}
