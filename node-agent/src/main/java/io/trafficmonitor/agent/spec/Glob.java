package io.trafficmonitor.agent.spec;

import java.util.regex.Pattern;

/** Shell globs over interface names: {@code *}, {@code ?}, {@code [a-z]}, {@code [!0-3]}. */
public final class Glob {
  private final String text;
  private final Pattern pattern;

  private Glob(String text, Pattern pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  public static Glob compile(String glob) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i++);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case '[' -> {
          int close = glob.indexOf(']', i + (i < glob.length() && glob.charAt(i) == '!' ? 2 : 1));
          if (close < 0) {
            re.append("\\[");
            break;
          }
          String body = glob.substring(i, close);
          i = close + 1;
          re.append('[');
          if (body.startsWith("!")) {
            re.append('^');
            body = body.substring(1);
          }
          for (char b : body.toCharArray()) {
            if ("\\[]^&".indexOf(b) >= 0) {
              re.append('\\');
            }
            re.append(b);
          }
          re.append(']');
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new Glob(glob, Pattern.compile(re.toString()));
  }

  public boolean matches(String name) {
    return pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
