package io.trafficmonitor.agent.app;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What an endpoint of the agent's API answers, and what it is for: the type its JSON is a
 * serialization of, and a summary. The build's OpenAPI document (docs/agent-api.yaml, {@code
 * AgentApiDocTest}) is made from these and the JAX-RS annotations.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Answers {
  /** The type serialized in the answer's body. */
  Class<?> value();

  /** One sentence on what the endpoint gives. */
  String summary();
}
