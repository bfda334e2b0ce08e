"""An example for every finding code: the smallest input that triggers it, in Kuma's own YAML.

`core.catalogue` reads `EXAMPLES` into `Code.example` (the Checks page shows it under "Example that
triggers it"); this is the only place example texts are written.

Conventions (read by `tests/core/test_catalogue_examples.py`, which analyses every example):

* Kubernetes form unless the code is about Universal; several documents are separated by `---`.
* A line `# target: Kuma X.Y` names the Kuma version the example is analysed for; without one the
  version is chosen automatically (`auto`). Every version-specific code names its target.
* A line `# federated: ...` means the zone control plane is connected to a Global one
  (`AnalysisOptions.federated`). A line `# zone: X` names the analysed zone (`--zone X`); without
  one it is detected from the input (`default` when nothing names a zone). The system namespace
  is `kuma-system`.
* A line `# complete: ...` means the input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of
  the zone (`AnalysisOptions.complete`, `--complete`): their absence is then a fact.
* MES95x (the merge gate's suppressions) are found by `mesdoctor check`, which runs the gate after the
  analysis (`core.gate.apply.apply_gate`); the test does the same. Dates are those of the tests' clock
  (`--now 2026-06-01`).
* Certificate and key contents are never real: a PEM body reads `(... elided)` and a Secret value is
  a truncated base64 string with a comment saying what it stands for.

Every example triggers its code when analysed exactly as written, except those in `PLACEHOLDER`:
they need what cannot be shown literally (a certificate or key with a given property, binary
bytes, an archive, a live source), and say so in a comment.
"""

from __future__ import annotations

PLACEHOLDER: dict[str, str] = {
    "MES005": "needs a control or NUL byte, which cannot be shown as text",
    "MES008": "needs an archive, not a manifest",
    "MES304": "needs a real certificate in clientKey",
    "MES305": "needs a real certificate without CA:TRUE",
    "MES306": "needs a real leaf and intermediate certificate",
    "MES307": "needs a real certificate and another key",
    "MES310": "needs a real expired certificate",
    "MES311": "needs a real certificate that starts in the future",
    "MES312": "needs a real certificate that expires within the window",
    "MES313": "needs a real certificate with a weak key",
    "MES314": "needs a real SHA-1 signed certificate",
    "MES316": "needs a real certificate with a serverAuth-only extended key usage",
    "MES317": "needs a real DER certificate",
    "MES319": "needs two real CA certificates, one expired",
    "MES905": "needs a live source that refuses to list Secrets",
}

EXAMPLES: dict[str, str] = {
    # --- MES0xx: input ---------------------------------------------------------------------------
    "MES001": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http   # the flow mapping is never closed
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES002": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec: "match port 80, send to httpbin.org"   # spec must be a mapping
""",
    "MES003": """\
# "billion laughs": each level repeats the one before ten times, so the last line
# expands to more than 10,000 nodes (the alias expansion limit)
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: laughs, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  extension:
    type: demo
    config:
      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
""",
    "MES004": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec: !!python/object/apply:os.system ["echo hello"]   # a safe loader never constructs this
""",
    "MES005": """\
# placeholder: a NUL (0x00) or another control byte sits in this document (e.g. binary
# data pasted into mes.yaml); such bytes cannot be shown here
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES006": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
---
# the same MeshExternalService again: this definition wins
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 8080}]
""",
    "MES007": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
  match: {port: 8080, protocol: http}   # the key again: the last value wins
""",
    "MES008": """\
# placeholder: an archive, not a manifest. `tar tvzf manifests.tar.gz` lists:
#   -rw-r--r--  mes/httpbin.yaml
#   -rw-r--r--  ../../etc/cron.d/job          <- `..` path traversal: not extracted
#   lrwxrwxrwx  mes/secrets.yaml -> /etc/passwd   <- symbolic link: not extracted
""",
    "MES009": """\
apiVersion: kuma.io/v1beta9   # Kuma serves MeshExternalService as kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES010": """\
# one key repeated 60 times: the first 50 repeats are listed (MES007), one MES010 counts the other 10
apiVersion: v1
kind: ConfigMap
metadata: {name: flood}
data: {k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v,
       k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v,
       k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v,
       k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v,
       k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v, k: v,
       k: v}
""",
    "MES020": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  annotations:
    team.example.com/client-key: |   # a key pasted into an annotation: readable by everyone who can read the MES
      -----BEGIN PRIVATE KEY-----
      (... elided)
      -----END PRIVATE KEY-----
spec:
  match: {port: 443, protocol: tcp}
  endpoints: [{address: httpbin.org, port: 443}]
""",
    # --- MES1xx: MES schema, validator and admission -------------------------------------------
    "MES101": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:   # no spec.match
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES102": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: "80", protocol: http}   # a string, the schema wants an integer
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES103": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: -1}]   # passes Kuma's validator, not the schema
""",
    "MES104": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {type: "", port: 80, protocol: http}   # the validator accepts "", the CRD enum does not
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES105": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:
        inline: "-----BEGIN CERTIFICATE-----"   # PEM text: belongs in inlineString
""",
    "MES106": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http, hostname: httpbin.mesh}   # match has no hostname field
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES110": """\
# target: Kuma 2.10
# 2.9/2.10 check the core name: 52 characters + ".kuma-system" = 64
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: payments-provider-europe-west-primary-https-endpoint
  namespace: kuma-system
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: pay.partner.example, port: 80}]
""",
    "MES111": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: 1st-partner, namespace: kuma-system}   # must start with a letter
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 80}]
""",
    "MES112": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {type: Hostname, port: 80, protocol: http}   # only HostnameGenerator
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES113": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 0, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES114": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 443, protocol: https}   # tcp, grpc, http or http2
  endpoints: [{address: httpbin.org, port: 443}]
""",
    "MES115": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 0}]
""",
    "MES116": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: "https://httpbin.org", port: 443}]   # a URL, not a host
""",
    "MES117": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    version: {min: TLS15}
""",
    "MES118": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    version: {min: TLS13, max: TLS12}
""",
    "MES119": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: 203.0.113.10, port: 443}]
  tls:
    enabled: true
    verification:
      serverName: 203.0.113.10   # an IP literal is not a DNS name
""",
    "MES120": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification: {mode: Skip}   # SkipSAN, SkipCA, SkipAll or Secured
""",
    "MES121": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification:
      subjectAltNames: [{type: Regex, value: ".*httpbin.org"}]   # Exact or Prefix
""",
    "MES122": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}   # and no clientKey
""",
    "MES123": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientKey: {secret: partner-client-key}   # and no clientCert
""",
    "MES124": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: File, file: {path: /etc/ssl/partner-ca.pem}}
""",
    "MES125": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: Secret}   # no secretRef
""",
    "MES126": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: Secret, secretRef: {kind: GlobalSecret, name: partner-ca}}
""",
    "MES127": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: Secret, secretRef: {kind: Secret}}   # no name
""",
    "MES128": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: InsecureInline}   # no insecureInline.value
""",
    "MES129": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {secret: partner-ca}   # legacy shape; 3.0: {type: Secret, secretRef: {kind: Secret, name: partner-ca}}
""",
    "MES130": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: billing, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  extension:
    config: {function: billing}   # no type
""",
    "MES131": """\
# target: Kuma 2.13
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: mes.http, namespace: kuma-system}   # dots: not an RFC 1035 label
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES132": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  labels: {kuma.io/mesh: payments.eu}   # the SNI's mesh part must be an RFC 1123 label: no dots
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES140": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: payments}   # only kuma-system is allowed
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES141": """\
# federated: this zone control plane is connected to a Global one
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}   # no kuma.io/origin: zone label
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES142": """\
# federated: this zone control plane (zone "default") is connected to a Global one
# zone: default
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  labels: {kuma.io/origin: zone, kuma.io/zone: zone-2}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES143": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: My_Service, namespace: kuma-system}   # upper case and "_"
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES144": """\
# Universal
type: MeshExternalService
name: httpbin
mesh: payments
labels: {kuma.io/mesh: default}   # differs from mesh
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES150": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: archive, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}   # no endpoints, no extension
""",
    "MES151": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: billing, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  extension:
    type: acme.example/lambda
    config: {function: billing}
""",
    "MES152": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:   # enabled: true is missing
    verification: {serverName: httpbin.org}
""",
    "MES153": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]   # and no tls.enabled
""",
    "MES154": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints:
    - {address: eu.httpbin.org, port: 80, priority: 0}
    - {address: us.httpbin.org, port: 80, priority: 2}   # no priority 1
""",
    "MES155": """\
# target: Kuma 2.13
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints:
    - {address: eu.httpbin.org, port: 80}
    - {address: us.httpbin.org, port: 80, priority: 1}   # exists from 2.14
""",
    "MES156": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:   # secret wins, inlineString is ignored
        secret: partner-ca
        inlineString: |
          -----BEGIN CERTIFICATE-----
          (partner CA certificate, elided)
          -----END CERTIFICATE-----
""",
    "MES157": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {}   # loads nothing: no client certificate is sent
      clientKey: {}
""",
    "MES158": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {inlineString: ""}
""",
    "MES159": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 443, protocol: http}   # clients call https://httpbin.extsvc.mesh.local
  endpoints: [{address: httpbin.org, port: 443}]
  tls: {enabled: true}
""",
    "MES161": """\
# target: Kuma 3.0
# the analysed zone is "default"; before 3.0 only zone-2's egress served this MES
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: billing-api
  namespace: kuma-system
  labels: {kuma.io/origin: global, kuma.io/zone: zone-2}   # pinned to zone-2 by hand on Global
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: billing.partner.example, port: 80}]
""",
    # --- MES2xx: secret references ---------------------------------------------------------------
    "MES201": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
# the input has the mesh's Secrets, but none named partner-ca
apiVersion: v1
kind: Secret
metadata: {name: partner-ca-2024, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES202": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: payments, labels: {kuma.io/mesh: default}}   # not kuma-system
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES203": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}   # mesh default
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: payments}}
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES204": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system}   # no kuma.io/mesh label
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES205": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: Opaque   # Kuma reads only system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES206": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system}
type: system.kuma.io/global-secret   # a GlobalSecret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES207": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # key ca.crt, not value (base64 truncated)
""",
    "MES208": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: ""}
""",
    "MES209": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: "-----BEGIN CERTIFICATE-----"}   # PEM text under data (belongs under stringData)
""",
    "MES210": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {secret: ""}   # e.g. an unset Helm value: looks up a Secret named ""
""",
    "MES211": """\
# target: Kuma 3.0
# stored before the upgrade, in the legacy shape 3.0 cannot read
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {secret: partner-ca}
""",
    "MES212": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: EnvVar, envVar: {name: PARTNER_CA}}
""",
    "MES213": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {type: Secret}   # no secretRef: loading fails
""",
    "MES214": """\
apiVersion: v1
kind: Secret
metadata:
  name: admin-token
  namespace: kuma-system
  labels: {kuma.io/mesh: default}   # a GlobalSecret belongs to no mesh
type: system.kuma.io/global-secret
data: {value: dG9rZW4tZWxpZGVk}   # base64 of the token, elided
""",
    # --- MES3xx: certificates and keys -----------------------------------------------------------
    "MES301": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert: {inlineString: /etc/ssl/certs/partner-ca.pem}   # a path, not the PEM text
""",
    "MES302": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # base64 of base64 of the PEM, e.g. --from-literal=value="$(base64 -w0 ca.pem)"; truncated
  value: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0
""",
    "MES303": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:   # the key file where the CA certificate belongs
        inlineString: |
          -----BEGIN PRIVATE KEY-----
          (private key, elided)
          -----END PRIVATE KEY-----
""",
    "MES304": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-key, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of client.pem, the *certificate* again instead of client-key.pem
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES305": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of the *server's own* certificate (CA:FALSE), not of the CA that issued it
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES306": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert:   # placeholder: real certificates, intermediate first, leaf second
        inlineString: |
          -----BEGIN CERTIFICATE-----
          (intermediate CA certificate, elided)
          -----END CERTIFICATE-----
          -----BEGIN CERTIFICATE-----
          (client leaf certificate, elided)
          -----END CERTIFICATE-----
      clientKey: {secret: partner-client-key}   # the leaf's key
""",
    "MES307": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}   # this year's certificate
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-key, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of last year's private key, not the key of partner-client-cert
  value: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t...
""",
    "MES308": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey:   # passphrase-protected (openssl ... -aes256)
        inlineString: |
          -----BEGIN ENCRYPTED PRIVATE KEY-----
          (encrypted private key, elided)
          -----END ENCRYPTED PRIVATE KEY-----
""",
    "MES309": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey:   # ssh-keygen output: Envoy reads PKCS#8 or traditional PEM only
        inlineString: |
          -----BEGIN OPENSSH PRIVATE KEY-----
          (OpenSSH private key, elided)
          -----END OPENSSH PRIVATE KEY-----
""",
    "MES310": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-cert, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a client certificate whose notAfter has passed
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES311": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-cert, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a client certificate whose notBefore is tomorrow
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES312": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a CA certificate that expires in 12 days (window: 30)
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES313": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-cert, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a client certificate with an RSA 1024-bit key
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES314": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-cert, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a client certificate signed with sha1WithRSAEncryption
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES315": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:   # a copy cut off after a few bytes: valid base64, broken ASN.1
        inlineString: |
          -----BEGIN CERTIFICATE-----
          MIICADCCAaigAwIBAg==
          -----END CERTIFICATE-----
""",
    "MES316": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: partner-client-cert}
      clientKey: {secret: partner-client-key}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-client-cert, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of a certificate with extendedKeyUsage serverAuth only (no clientAuth)
  value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
""",
    "MES317": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
---
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data:
  # placeholder: base64 of ca.der, the DER (binary) form of the CA certificate
  value: MIIDdzCCAl+gAwIBAgIU...
""",
    "MES318": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:   # `openssl x509 -subject` output pasted with the certificate
        inlineString: |
          subject=CN = Partner Root CA
          -----BEGIN CERTIFICATE-----
          (partner CA certificate, elided)
          -----END CERTIFICATE-----
""",
    "MES319": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      caCert:   # placeholder: real CA certificates, the old one expired last month
        inlineString: |
          -----BEGIN CERTIFICATE-----
          (Partner Root CA 2023, expired, elided)
          -----END CERTIFICATE-----
          -----BEGIN CERTIFICATE-----
          (Partner Root CA 2025, valid, elided)
          -----END CERTIFICATE-----
""",
    # --- MES4xx: mesh and prerequisites ----------------------------------------------------------
    "MES401": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec: {}   # no mtls.enabledBackend
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES402": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:
    enabledBackend: ca-1   # no backend of that name
    backends: [{name: builtin-ca, type: builtin}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES403": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:
    enabledBackend: ca-1
    backends: [{name: ca-1, type: builtin}]
  routing: {defaultForbidMeshExternalServiceAccess: true}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES404": """\
# target: Kuma 2.14
# zone: default
# the analysed zone is "default"; the only zone egress serves zone-2
apiVersion: kuma.io/v1alpha1
kind: ZoneEgress
metadata: {name: zone-egress, namespace: kuma-system}
spec:
  zone: zone-2
  networking: {address: 10.0.0.9, port: 10002}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES405": """\
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:
    enabledBackend: ca-1
    backends: [{name: ca-1, type: builtin}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  labels: {kuma.io/mesh: payments}   # no Mesh payments in the input
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES406": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:   # removed in 3.0
    enabledBackend: ca-1
    backends: [{name: ca-1, type: builtin}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES407": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:
    enabledBackend: ca-1
    backends: [{name: ca-1, type: builtin}]
  routing: {zoneEgress: true}   # not needed for MES since 2.9.0
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES408": """\
# target: Kuma 2.14
# a mesh-scoped zone proxy serves mesh default, but the Mesh is not in Exclusive mode
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  meshServices: {mode: Everywhere}
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES409": """\
# target: Kuma 3.0
# the MeshIdentity selects the application proxies (app: web), not the zone proxy
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {name: identity, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  selector: {dataplane: {matchLabels: {app: web}}}
  provider: {type: Bundled, bundled: {autogenerate: {enabled: true}}}
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES410": """\
# target: Kuma 3.0
# the MeshIdentity selects only the zone proxy; the client web-1 has no workload identity
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {name: zone-proxies, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  selector: {dataplane: {matchLabels: {app: zone-proxy}}}
  provider: {type: Bundled, bundled: {autogenerate: {enabled: true}}}
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  networking:
    address: 10.0.1.7
    inbound: [{port: 8080, tags: {kuma.io/service: web}}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES411": """\
# target: Kuma 3.0
# the MeshIdentity selects the zone proxy and web; the client batch-1 has no workload identity
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {name: identity, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  selector: {dataplane: {matchLabels: {team: shop}}}
  provider: {type: Bundled, bundled: {autogenerate: {enabled: true}}}
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy, team: shop}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: web-1, namespace: shop, labels: {app: web, team: shop}}
spec:
  networking:
    address: 10.0.1.7
    inbound: [{port: 8080, tags: {kuma.io/service: web}}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: batch-1, namespace: jobs, labels: {app: batch}}
spec:
  networking:
    address: 10.0.2.9
    inbound: [{port: 9000, tags: {kuma.io/service: batch}}]
""",
    "MES412": """\
# target: Kuma 3.0
# complete: the input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of the zone, and no MeshIdentity
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    # --- MES5xx: endpoint map, hostnames and TLS behaviour ---------------------------------------
    "MES501": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      clientCert: {secret: kuma-cert}   # neither Secret exists
      clientKey: {secret: kuma-key}
---
# the input has the mesh's Secrets, but not kuma-cert or kuma-key
apiVersion: v1
kind: Secret
metadata: {name: partner-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # base64 of a PEM, truncated
""",
    "MES502": """\
# target: Kuma 2.9
# billing sorts before orders and its Secret is missing: 2.9 drops orders too
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: billing, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: billing.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: billing-ca}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: orders, namespace: kuma-system}   # healthy
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: orders.partner.example, port: 80}]
---
apiVersion: v1
kind: Secret
metadata: {name: orders-token, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: dG9rZW4tZWxpZGVk}   # base64 of a token, elided
""",
    "MES503": """\
# target: Kuma 2.11
# archive sorts before billing and has no endpoints: the egress listener loop stops there
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: archive, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: billing, namespace: kuma-system}   # loses its egress filter chain
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: billing.partner.example, port: 80}]
""",
    "MES504": """\
# target: Kuma 2.14
# the analysed zone is "default"
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  labels: {kuma.io/zone: zone-2}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES505": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin-tls
  namespace: kuma-system
  annotations: {kuma.io/display-name: httpbin}   # both want httpbin.extsvc.mesh.local
spec:
  match: {port: 8080, protocol: http}
  endpoints: [{address: httpbin.org, port: 8080}]
""",
    "MES506": """\
# exported from a zone before the zone CP allocated a VIP
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  labels: {kuma.io/origin: zone}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
status: {addresses: []}   # no vip.ip, no hostname
""",
    "MES507": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
status:
  vip: {ip: 242.0.0.5}
  hostnameGenerators:
    - hostnameGeneratorRef: {coreName: local-mesh-external-service.kuma-system}
      conditions:
        - {type: Generated, status: "False", reason: Collision,
           message: "Hostname collision with MeshExternalService: httpbin.kuma-system"}
""",
    "MES508": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: 203.0.113.10, port: 443}]   # an IP first, and no serverName
  tls: {enabled: true}
""",
    "MES509": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints:
    - {address: eu.api.partner.example, port: 443}
    - {address: us.api.partner.example, port: 443}   # also verified as eu.api.partner.example
  tls: {enabled: true}
""",
    "MES510": """\
# target: Kuma 2.9
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification: {mode: Secured}   # and no caCert
""",
    "MES511": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification: {mode: Secured}   # and no caCert
""",
    "MES512": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    verification: {mode: SkipCA}
""",
    "MES513": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: lb-1.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      mode: SkipSAN
      serverName: api.partner.example   # cleared: SNI becomes lb-1.partner.example
""",
    "MES514": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      mode: SkipSAN
      subjectAltNames: [{type: Exact, value: api.partner.example}]   # never checked
""",
    "MES515": """\
# target: Kuma 2.9
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls:
    enabled: true
    version: {min: TLS13}   # no verification block
""",
    "MES516": """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification:
      mode: SkipAll
      clientCert: {secret: partner-client-cert}   # loaded, then dropped
      clientKey: {secret: partner-client-key}
""",
    "MES517": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin-eu
  namespace: kuma-system
  annotations: {kuma.io/display-name: httpbin}   # same display name and port: same SNI
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: eu.httpbin.org, port: 80}]
""",
    "MES518": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: archive, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}   # no endpoints
""",
    "MES520": """\
# zone: default
# the analysis is told to model zone default; both MES were created in zone eu-west-1
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: billing
  namespace: kuma-system
  labels: {kuma.io/origin: zone, kuma.io/zone: eu-west-1}
spec:
  match: {port: 443, protocol: tcp}
  endpoints: [{address: api.billing.example, port: 443}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: payments
  namespace: kuma-system
  labels: {kuma.io/origin: zone, kuma.io/zone: eu-west-1}
spec:
  match: {port: 443, protocol: tcp}
  endpoints: [{address: api.payments.example, port: 443}]
""",
    # --- MES6xx: resources around an MES ------------------------------------------------------
    "MES601": """\
# target: Kuma 2.14
# the route lives in namespace shop and names the MES without `namespace`: Kuma looks for it in shop
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {name: httpbin-canary, namespace: shop, labels: {kuma.io/mesh: default}}
spec:
  to:
    - targetRef: {kind: MeshService, name: web}
      rules:
        - matches: [{path: {type: PathPrefix, value: /status}}]
          default:
            backendRefs: [{kind: MeshExternalService, name: httpbin}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES602": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {name: to-postgres, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  to:
    - targetRef: {kind: MeshService, name: web}
      rules:
        - matches: [{path: {type: PathPrefix, value: /}}]
          default:
            backendRefs: [{kind: MeshExternalService, name: postgres, namespace: kuma-system}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: postgres, namespace: kuma-system}
spec:
  match: {port: 5432, protocol: tcp}   # an HTTP split never takes a tcp destination
  endpoints: [{address: db.partner.example, port: 5432}]
""",
    "MES603": """\
# target: Kuma 2.9
# 2.9 mirrors only to a MeshService (MeshExternalService from 2.10)
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: {name: mirror-to-httpbin, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  to:
    - targetRef: {kind: MeshService, name: web}
      rules:
        - matches: [{path: {type: PathPrefix, value: /}}]
          default:
            filters:
              - type: RequestMirror
                requestMirror:
                  backendRef: {kind: MeshExternalService, name: httpbin, namespace: kuma-system}
            backendRefs: [{kind: MeshService, name: web}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES604": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshTCPRoute
metadata: {name: to-httpbin, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  to:
    - targetRef: {kind: MeshService, name: web}
      rules:
        - default:
            backendRefs: [{kind: MeshExternalService, name: httpbin, namespace: kuma-system, port: 443}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}   # the only port an MES has: the route's 443 is ignored
  endpoints: [{address: httpbin.org, port: 443}]
  tls: {enabled: true}
""",
    "MES610": """\
# target: Kuma 3.0
# the only MeshTrafficPermission on the zone egress allows another MES's SNI
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {name: identity, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  selector: {dataplane: {matchLabels: {}}}
  provider: {type: Bundled, bundled: {autogenerate: {enabled: true}}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshTrafficPermission
metadata: {name: egress, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Dataplane, labels: {app: zone-proxy}, sectionName: egress}
  rules:
    - default:
        allow: [{sni: {type: Exact, value: sni.extsvc.default.default.kuma-system.other-api.443}}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES611": """\
# target: Kuma 3.0
# the zone egress allows the web service account only; batch-1 is denied
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {name: identity, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  selector: {dataplane: {matchLabels: {}}}
  provider: {type: Bundled, bundled: {autogenerate: {enabled: true}}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshTrafficPermission
metadata: {name: egress, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Dataplane, labels: {app: zone-proxy}}
  rules:
    - default:
        allow: [{spiffeID: {type: Exact, value: "spiffe://default.default.mesh.local/ns/shop/sa/web"}}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: web-1, namespace: shop, labels: {app: web, k8s.kuma.io/service-account: web}}
spec:
  networking:
    address: 10.0.1.7
    inbound: [{port: 8080, tags: {kuma.io/service: web}}]
---
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: batch-1, namespace: jobs, labels: {app: batch, k8s.kuma.io/service-account: batch}}
spec:
  networking:
    address: 10.0.2.9
    inbound: [{port: 9000, tags: {kuma.io/service: batch}}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES612": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshTrafficPermission
metadata: {name: allow-httpbin, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: MeshExternalService, name: httpbin}
  rules:
    - default:
        allow: [{spiffeID: {type: Prefix, value: "spiffe://default/"}}]
""",
    "MES620": """\
# target: Kuma 2.13
# MeshCircuitBreaker takes a MeshExternalService in `to` from 2.14 only
apiVersion: kuma.io/v1alpha1
kind: MeshCircuitBreaker
metadata: {name: httpbin-breaker, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: MeshExternalService, name: httpbin}
      default:
        outlierDetection: {detectors: {totalFailures: {consecutive: 5}}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES621": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshTimeout
metadata: {name: httpbin-timeout, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: MeshExternalService, name: httpbn}   # typo: the MES is httpbin
      default: {connectionTimeout: 2s}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES630": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshPassthrough
metadata: {name: partners, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  default:
    passthroughMode: Matched
    appendMatch:
      - {type: Domain, value: api.partner.example, port: 443, protocol: tcp}   # a domain needs tls/http
""",
    "MES631": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshPassthrough
metadata: {name: partners, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  default:
    passthroughMode: None   # nothing passes: the list below is ignored
    appendMatch:
      - {type: Domain, value: api.partner.example, port: 443, protocol: tls}
""",
    "MES632": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: MeshPassthrough
metadata: {name: partners, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  default:
    passthroughMode: Matched
    appendMatch:
      - {type: Domain, value: httpbin.org, port: 443, protocol: tls}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls: {enabled: true}
""",
    "MES633": """\
# target: Kuma 2.14
# the MES's CA Secret is missing, so kuma-cp drops it; passthrough lets nothing through either
apiVersion: kuma.io/v1alpha1
kind: MeshPassthrough
metadata: {name: no-passthrough, namespace: kuma-system, labels: {kuma.io/mesh: default}}
spec:
  targetRef: {kind: Mesh}
  default: {passthroughMode: None}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}   # not in the input
---
apiVersion: v1
kind: Secret
metadata: {name: other-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
type: system.kuma.io/secret
data: {value: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t}   # truncated: a CA for another MES
""",
    "MES640": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: partners, namespace: kuma-system}
spec:
  selector:   # one selector only
    meshService: {matchLabels: {team: partners}}
    meshExternalService: {matchLabels: {team: partners}}
  template: "{{ .DisplayName }}.partners.mesh"
""",
    "MES641": """\
# target: Kuma 2.14
# the team label is "Payments": the hostname renders with upper case, which 2.14 refuses
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: by-team, namespace: kuma-system}
spec:
  selector: {meshExternalService: {matchLabels: {kuma.io/origin: zone}}}
  template: '{{ .DisplayName }}.{{ label "team" }}.mesh'
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system, labels: {team: Payments}}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES642": """\
# target: Kuma 2.13
# the team label is "Payments": the hostname renders with upper case, which 2.13 hands out as it is
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: by-team, namespace: kuma-system}
spec:
  selector: {meshExternalService: {matchLabels: {kuma.io/origin: zone}}}
  template: '{{ .DisplayName }}.{{ label "team" }}.mesh'
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system, labels: {team: Payments}}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES643": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: by-team, namespace: kuma-system}
spec:
  selector: {meshExternalService: {matchLabels: {kuma.io/origin: zone}}}
  template: '{{ .DisplayName }}.{{ label "team" }}.mesh'
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}   # no team label: `label "team"` fails
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES645": """\
# target: Kuma 2.14
# the export holds the zone's generators; the local one was narrowed to team: payments
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata: {name: local-mesh-external-service, namespace: kuma-system, labels: {kuma.io/origin: zone}}
spec:
  selector: {meshExternalService: {matchLabels: {kuma.io/origin: zone, team: payments}}}
  template: "{{ .DisplayName }}.extsvc.mesh.local"
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES650": """\
# target: Kuma 3.0
apiVersion: kuma.io/v1alpha1
kind: ExternalService
mesh: default
metadata: {name: httpbin}
spec:
  tags: {kuma.io/service: httpbin, kuma.io/protocol: http}
  networking:
    address: httpbin.org:443
    tls: {enabled: true}
""",
    "MES651": """\
# target: Kuma 2.14
apiVersion: kuma.io/v1alpha1
kind: ExternalService
mesh: default
metadata: {name: httpbin-legacy}
spec:
  tags: {kuma.io/service: httpbin-legacy, kuma.io/protocol: http}
  networking: {address: "httpbin.org:443", tls: {enabled: true}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 443}]
  tls: {enabled: true}
""",
    "MES652": """\
# target: Kuma 2.14
type: ExternalService
mesh: default
name: httpbin
tags: {kuma.io/service: httpbin, kuma.io/protocol: http}
networking:
  address: httpbin.org:443
  tls: {enabled: true}
""",
    # --- MES9xx: coverage notes ------------------------------------------------------------------
    "MES901": """\
# the input holds this MeshExternalService and no Mesh
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES902": """\
# the input holds this MeshExternalService and no Secret
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
""",
    "MES903": """\
# target: Kuma 2.14
# the input holds a Mesh and a MeshExternalService, and no ZoneEgress
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata: {name: default}
spec:
  mtls:
    enabledBackend: ca-1
    backends: [{name: ca-1, type: builtin}]
---
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES904": """\
# target: Kuma 3.0
# the input holds no MeshIdentity and no MeshTrafficPermission
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES905": """\
# placeholder: read from a live cluster (kube or Kuma API source) whose credentials may not
# list Secrets (HTTP 403); the same manifest from a file gives MES902 instead
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: partner-api, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: api.partner.example, port: 443}]
  tls:
    enabled: true
    verification: {caCert: {secret: partner-ca}}
""",
    "MES950": """\
# the annotation accepts MES312 (a certificate expiring soon), but this MES has no TLS at all
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  annotations:
    mesdoctor.kuma.io/ignore: "MES312: partner rotates its CA in March"
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES951": """\
# --now 2026-06-01: the suppression ended on 31 January; MES106 counts again
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  annotations:
    mesdoctor.kuma.io/ignore: "MES106 until 2026-01-31: the hostname field goes with the next chart release"
spec:
  match: {port: 80, protocol: http, hostname: httpbin.mesh}   # match has no hostname field
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES952": """\
# a suppression needs codes and a reason: `MES106: why it is accepted`
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  annotations:
    mesdoctor.kuma.io/ignore: "ignore everything"
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
""",
    "MES953": """\
# --now 2026-06-01: the suppression in use ends on 15 June, within the 30-day window
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: httpbin
  namespace: kuma-system
  annotations:
    mesdoctor.kuma.io/ignore: "MES106 until 2026-06-15: the hostname field goes with the next chart release"
spec:
  match: {port: 80, protocol: http, hostname: httpbin.mesh}   # match has no hostname field
  endpoints: [{address: httpbin.org, port: 80}]
""",
}
