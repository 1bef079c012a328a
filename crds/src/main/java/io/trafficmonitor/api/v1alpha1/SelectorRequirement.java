package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One requirement of a {@link Selector}: a label key, an operator and values. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0"
            + " : !has(self.values) || size(self.values) == 0",
    message = "operators In and NotIn need at least one value; Exists and DoesNotExist take none")
public class SelectorRequirement {

  @JsonPropertyDescription("The label key, such as app or app.kubernetes.io/name.")
  @Required
  @Size(min = 1, max = 317)
  @ValidationRule(
      value =
          "self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')",
      message = "key must be a label key such as app or app.kubernetes.io/name")
  private String key;

  @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
  @Required
  private SelectorOperator operator;

  @JsonPropertyDescription("Values for In and NotIn; must be empty for Exists and DoesNotExist.")
  @Size(max = 64)
  private List<@Size(max = 63) String> values;

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public SelectorOperator getOperator() {
    return operator;
  }

  public void setOperator(SelectorOperator operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }
}
