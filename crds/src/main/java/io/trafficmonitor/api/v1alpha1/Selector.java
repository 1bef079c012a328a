package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import java.util.List;
import java.util.Map;

/**
 * A label selector with the shape of Kubernetes' own, bounded so that the API server can check it
 * (operator names, values required for In and NotIn only).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Selector {

  @JsonPropertyDescription("Labels that must all be present with exactly these values.")
  @Size(max = 64)
  private Map<String, String> matchLabels;

  @JsonPropertyDescription("Requirements that must all hold, ANDed with matchLabels.")
  @Size(max = 32)
  private List<SelectorRequirement> matchExpressions;

  /** True when the selector has no requirement at all. */
  public boolean empty() {
    return (matchLabels == null || matchLabels.isEmpty())
        && (matchExpressions == null || matchExpressions.isEmpty());
  }

  /** The same selector as the fabric8 model type, for informers and list calls. */
  public LabelSelector toLabelSelector() {
    LabelSelectorBuilder builder = new LabelSelectorBuilder().withMatchLabels(matchLabels);
    if (matchExpressions != null) {
      for (SelectorRequirement r : matchExpressions) {
        builder.addToMatchExpressions(
            new LabelSelectorRequirementBuilder()
                .withKey(r.getKey())
                .withOperator(r.getOperator() == null ? null : r.getOperator().name())
                .withValues(r.getValues())
                .build());
      }
    }
    return builder.build();
  }

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<SelectorRequirement> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<SelectorRequirement> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
