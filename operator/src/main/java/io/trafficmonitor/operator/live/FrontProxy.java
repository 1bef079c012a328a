package io.trafficmonitor.operator.live;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.MonitorAccess;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * How the API server tells an aggregated API who the caller is (its request-header authentication):
 * it connects with a client certificate signed by the request-header CA, whose common name is one
 * of the allowed names (any, when none are listed), and names the user in headers. All of it is
 * what the API server publishes in {@code kube-system/extension-apiserver-authentication}; a
 * request whose certificate is not the API server's carries no identity that may be believed.
 *
 * @param caPem the CA that signs the API server's proxy client certificate
 * @param allowedNames the common names that certificate may have (empty: any)
 * @param usernameHeaders headers that may carry the user's name (the first present wins)
 * @param groupHeaders headers that carry the user's groups (each value one group)
 * @param extraPrefixes prefixes of headers that carry the user's extra attributes
 */
public record FrontProxy(
    String caPem,
    List<String> allowedNames,
    List<String> usernameHeaders,
    List<String> groupHeaders,
    List<String> extraPrefixes) {

  public static final String NAMESPACE = "kube-system";
  public static final String CONFIG_MAP = "extension-apiserver-authentication";

  /** A refusal of a request, before any monitor is looked at. */
  public static final class NotAuthenticated extends Exception {
    public NotAuthenticated(String message) {
      super(message);
    }
  }

  /**
   * What the API server publishes, or null when it publishes no request-header CA (its aggregation
   * layer is not configured: {@code --requestheader-client-ca-file}).
   */
  public static FrontProxy read(KubernetesClient client) {
    ConfigMap cm = client.configMaps().inNamespace(NAMESPACE).withName(CONFIG_MAP).get();
    return cm == null ? null : from(cm.getData());
  }

  static FrontProxy from(Map<String, String> data) {
    if (data == null || data.get("requestheader-client-ca-file") == null) {
      return null;
    }
    return new FrontProxy(
        data.get("requestheader-client-ca-file"),
        list(data.get("requestheader-allowed-names")),
        list(data.get("requestheader-username-headers")),
        list(data.get("requestheader-group-headers")),
        list(data.get("requestheader-extra-headers-prefix")));
  }

  /** The API server writes these lists as JSON arrays. */
  private static List<String> list(String json) {
    if (json == null || json.isBlank()) {
      return List.of();
    }
    return Serialization.unmarshal(json, new TypeReference<List<String>>() {});
  }

  /**
   * The caller the API server names, when {@code peer} (the client certificates of the TLS
   * connection, already verified against {@link #caPem}) is the API server's.
   *
   * @param headers a request's header values by name (any case)
   */
  public MonitorAccess.Caller caller(
      List<Certificate> peer, Function<String, List<String>> headers, List<String> headerNames)
      throws NotAuthenticated {
    checkPeer(peer);
    String user = null;
    for (String h : usernameHeaders) {
      List<String> v = headers.apply(h);
      if (v != null && !v.isEmpty() && !v.get(0).isEmpty()) {
        user = v.get(0);
        break;
      }
    }
    if (user == null) {
      throw new NotAuthenticated("the request names no user (" + usernameHeaders + ")");
    }
    List<String> groups = new ArrayList<>();
    for (String h : groupHeaders) {
      List<String> v = headers.apply(h);
      if (v != null) {
        groups.addAll(v);
      }
    }
    Map<String, List<String>> extra = new LinkedHashMap<>();
    for (String name : headerNames) {
      for (String prefix : extraPrefixes) {
        if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
          // The key is the rest of the header's name, lower-cased and percent-decoded.
          String key =
              URLDecoder.decode(
                  name.substring(prefix.length()).toLowerCase(Locale.ROOT), StandardCharsets.UTF_8);
          List<String> v = headers.apply(name);
          if (v != null) {
            extra.computeIfAbsent(key, k -> new ArrayList<>()).addAll(v);
          }
        }
      }
    }
    return new MonitorAccess.Caller(user, groups, null, extra);
  }

  /** Returns when {@code peer} is the API server's proxy client certificate (its common name). */
  public void checkPeer(List<Certificate> peer) throws NotAuthenticated {
    if (peer == null || peer.isEmpty() || !(peer.get(0) instanceof X509Certificate cert)) {
      throw new NotAuthenticated("no client certificate: only the API server may call");
    }
    String cn = commonName(cert);
    if (!allowedNames.isEmpty() && !allowedNames.contains(cn)) {
      throw new NotAuthenticated(
          "the client certificate's common name " + cn + " is not one of " + allowedNames);
    }
  }

  static String commonName(X509Certificate cert) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
      return "";
    } catch (InvalidNameException e) {
      return "";
    }
  }
}
