package io.trafficmonitor.agent.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.AgentAudience;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document of the agent's API ({@code docs/agent-api.yaml}) is made by the build from
 * the resources' JAX-RS annotations, their {@link Answers} and the answered types (their JSON
 * properties and descriptions, as Jackson serializes them), and the committed copy must be what the
 * code says: run with {@code -Dtm.api.update=true} to rewrite it.
 */
class AgentApiDocTest {
  static final List<Class<?>> RESOURCES =
      List.of(StatusResource.class, IntervalsResource.class, SnapshotsResource.class);

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  @Test
  void theCommittedDocumentIsWhatTheCodeSays() throws Exception {
    String generated = Serialization.asYaml(document());
    // java.nio.file.Path by Paths: Path is JAX-RS's annotation here
    var committed = Paths.get(System.getProperty("tm.repo.root", ".."), "docs", "agent-api.yaml");
    if (Boolean.getBoolean("tm.api.update")) {
      Files.writeString(committed, generated);
    }
    assertThat(Files.exists(committed) ? Files.readString(committed) : "")
        .as(committed + " is stale: regenerate with -Dtm.api.update=true")
        .isEqualTo(generated);
  }

  @Test
  void everyEndpointSaysWhatItAnswers() {
    for (Class<?> r : RESOURCES) {
      for (Method m : r.getDeclaredMethods()) {
        if (m.isAnnotationPresent(GET.class)) {
          assertThat(m.getAnnotation(Answers.class))
              .as(r.getSimpleName() + "." + m.getName())
              .isNotNull();
        }
      }
    }
  }

  static Map<String, Object> document() {
    Map<String, Object> schemas = new TreeMap<>();
    Map<String, Object> paths = new TreeMap<>();
    for (Class<?> r : RESOURCES) {
      String base = r.getAnnotation(Path.class).value();
      List<Method> methods = new ArrayList<>(Arrays.asList(r.getDeclaredMethods()));
      methods.sort(Comparator.comparing(Method::getName));
      for (Method m : methods) {
        Answers answers = m.getAnnotation(Answers.class);
        if (!m.isAnnotationPresent(GET.class) || answers == null) {
          continue;
        }
        Path sub = m.getAnnotation(Path.class);
        String path = sub == null ? base : base.replaceAll("/$", "") + "/" + sub.value();
        List<Object> parameters = new ArrayList<>();
        boolean bearer = false;
        for (Parameter p : m.getParameters()) {
          HeaderParam hp = p.getAnnotation(HeaderParam.class);
          if (hp != null && hp.value().equals("Authorization")) {
            bearer = true;
          }
          PathParam pp = p.getAnnotation(PathParam.class);
          QueryParam qp = p.getAnnotation(QueryParam.class);
          if (pp == null && qp == null) {
            continue;
          }
          Map<String, Object> param = new LinkedHashMap<>();
          param.put("name", pp != null ? pp.value() : qp.value());
          param.put("in", pp != null ? "path" : "query");
          param.put("required", pp != null);
          Map<String, Object> schema =
              new LinkedHashMap<>(schema(JSON.constructType(p.getParameterizedType()), schemas));
          DefaultValue d = p.getAnnotation(DefaultValue.class);
          if (d != null) {
            schema.put("default", Long.parseLong(d.value()));
          }
          param.put("schema", schema);
          parameters.add(param);
        }
        String media = m.getAnnotation(Produces.class).value()[0];
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("description", "OK");
        ok.put(
            "content",
            ordered(
                media, ordered("schema", schema(JSON.constructType(answers.value()), schemas))));
        Map<String, Object> responses = new LinkedHashMap<>();
        responses.put("200", ok);
        if (bearer) {
          responses.put(
              "401", ordered("description", "No bearer token, or one the API server refuses."));
          responses.put(
              "403",
              ordered(
                  "description",
                  "The token's user may not get the monitor (SubjectAccessReview); the body says"
                      + " who and what."));
        }
        if (!parameters.isEmpty()) {
          responses.put("404", ordered("description", "The agent does not serve this monitor."));
        }
        responses.put("503", ordered("description", "The agent has not started yet."));
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("summary", answers.summary());
        op.put("operationId", m.getName());
        if (!parameters.isEmpty()) {
          op.put("parameters", parameters);
        }
        if (bearer) {
          op.put("security", List.of(ordered("bearer", List.of())));
        }
        op.put("responses", responses);
        paths.put(path, ordered("get", op));
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put(
        "info",
        ordered(
            "title",
            "trafficmonitor node agent API",
            "version",
            "v1",
            "description",
            "What each node's agent serves on its HTTP port (9400): its monitors' entries for the"
                + " operator, and their per-interval records, current rates and totals to callers"
                + " whose own RBAC lets them get the monitor. Made by the build from the code"
                + " (AgentApiDocTest)."));
    doc.put("paths", paths);
    doc.put(
        "components",
        ordered(
            "securitySchemes",
            ordered(
                "bearer",
                ordered(
                    "type",
                    "http",
                    "scheme",
                    "bearer",
                    "description",
                    "A Kubernetes token (a ServiceAccount's, or a user's the API server"
                        + " authenticates): the agent asks the API server who it is (TokenReview)"
                        + " and whether that user may get the monitor (SubjectAccessReview). A"
                        + " token whose audience is "
                        + AgentAudience.AUDIENCE
                        + " (the operator's) is reviewed for that audience, any other for the"
                        + " API server's.")),
            "schemas",
            schemas));
    return doc;
  }

  /** The schema of {@code t}: inline for scalars and lists, a reference for objects. */
  static Map<String, Object> schema(JavaType t, Map<String, Object> schemas) {
    Class<?> c = t.getRawClass();
    if (c == String.class) {
      return ordered("type", "string");
    }
    if (c == long.class || c == Long.class) {
      return ordered("type", "integer", "format", "int64");
    }
    if (c == int.class || c == Integer.class) {
      return ordered("type", "integer", "format", "int32");
    }
    if (c == boolean.class || c == Boolean.class) {
      return ordered("type", "boolean");
    }
    if (c == double.class || c == Double.class) {
      return ordered("type", "number", "format", "double");
    }
    if (c.isEnum()) {
      return ordered(
          "type",
          "string",
          "enum",
          Arrays.stream(c.getEnumConstants()).map(Object::toString).toList());
    }
    if (Collection.class.isAssignableFrom(c)) {
      return ordered("type", "array", "items", schema(t.getContentType(), schemas));
    }
    if (Map.class.isAssignableFrom(c)) {
      return ordered("type", "object", "additionalProperties", schema(t.getContentType(), schemas));
    }
    String name = c.getName().substring(c.getPackageName().length() + 1).replace('$', '.');
    if (!schemas.containsKey(name)) {
      schemas.put(name, ordered()); // a placeholder while its properties are made (recursion)
      BeanDescription bean = JSON.getSerializationConfig().introspect(t);
      Map<String, Object> properties = new TreeMap<>();
      for (BeanPropertyDefinition p : bean.findProperties()) {
        if (!p.couldSerialize()) {
          continue;
        }
        Map<String, Object> s = new LinkedHashMap<>(schema(p.getPrimaryType(), schemas));
        String description = p.getMetadata().getDescription();
        if (description != null && !s.containsKey("$ref")) {
          s.put("description", description);
        }
        properties.put(p.getName(), s);
      }
      Map<String, Object> object = new LinkedHashMap<>();
      object.put("type", "object");
      object.put("properties", properties);
      schemas.put(name, object);
    }
    return ordered("$ref", "#/components/schemas/" + name);
  }

  /** A map that keeps the order its keys are given in (Map.of's order changes from run to run). */
  static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
