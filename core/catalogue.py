"""Every finding code MES Doctor can emit, in one place.

Codes are stable and never renumbered: a retired code stays here with `retired=True`.
Ranges: MES0xx input, MES1xx MES schema / validator / admission, MES2xx secret references,
MES3xx certificates and keys, MES4xx mesh and prerequisites, MES5xx endpoint map / xDS /
hostnames / TLS behaviour, MES6xx the resources around an MES (routes, permissions, policies,
MeshPassthrough, HostnameGenerator, legacy ExternalService), MES9xx coverage notes (what the
input did not let us check) and, from MES950, the merge gate's suppressions (core.gate).

Severity and stage belong to the code: the same code always means the same thing. Where Kuma
behaves differently per version (e.g. `Secured` without a CA), there are two codes.

Every code's example (the smallest input that triggers it) is written in `core.catalogue_examples`
and read into `Code.example` here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.catalogue_examples import EXAMPLES, PLACEHOLDER
from core.model import Finding, Origin, ResourceRef, Severity, Stage

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    title: str
    severity: Severity
    stage: Stage
    explanation: str
    example: str = ""
    versions: str = "all"
    retired: bool = False
    # True when analysing `example` as written triggers the code; False when it stands in for what
    # cannot be shown literally (certificate or key contents, binary bytes, an archive, a live source)
    example_complete: bool = True

    @property
    def category(self) -> str:
        return CATEGORIES[self.code[3]]


CATEGORIES = {
    "0": "Input",
    "1": "MeshExternalService schema and admission",
    "2": "Secret references",
    "3": "Certificates and keys",
    "4": "Mesh and prerequisites",
    "5": "Endpoint map, hostnames and TLS behaviour",
    "6": "Resources around an MES",
    "9": "Coverage and suppressions",
}

_INPUT = Stage.INPUT
_WRITE = Stage.WRITE
_CP = Stage.CONTROL_PLANE
_ENVOY = Stage.ENVOY
_HS = Stage.HANDSHAKE
_RISK = Stage.RISK
_NOTE = Stage.NOTE

_CODES: list[Code] = [
    # --- MES0xx: input -----------------------------------------------------------------------
    Code("MES001", "Document could not be parsed", E, _INPUT,
         "A YAML or JSON document has a syntax error. It is skipped; every other document of the "
         "file is still loaded."),
    Code("MES002", "Object has the wrong shape", E, _INPUT,
         "A recognised Kuma object cannot be read as that kind: a section has the wrong type "
         "(e.g. `spec` is a string) or a required identity field is missing. The object is skipped."),
    Code("MES003", "Input limit reached", E, _INPUT,
         "A protective limit was hit (file size, total size, documents of a file, YAML nodes of a document, "
         "nesting depth, alias expansion in nodes or in text, archive expansion, parse time of a file, or the "
         "dashboard's memory and time cap of an analysis). What exceeded it is skipped; the rest is analysed "
         "(only the dashboard's cap stops the whole analysis). The limits are listed in docs/deploy.md."),
    Code("MES004", "Unsupported YAML tag", E, _INPUT,
         "The document uses a YAML tag that a safe loader does not construct (e.g. `!!python/object`). "
         "Kubernetes and Kuma would reject it too. The document is skipped."),
    Code("MES005", "File could not be read", E, _INPUT,
         "The file (or one document of it) is binary, not valid UTF-8/UTF-16 text, holds NUL or control "
         "characters, or is a broken archive. What can be read of the rest of the file is still loaded."),
    Code("MES006", "Duplicate resource", W, _INPUT,
         "The same resource (kind, mesh, name) appears more than once. The last definition wins, as it "
         "would with `kubectl apply` in order."),
    Code("MES007", "Duplicate mapping key", W, _INPUT,
         "A mapping repeats a key. YAML parsers keep the last value; kubectl and the Kubernetes API "
         "server reject or warn about duplicate fields."),
    Code("MES008", "Unsafe archive entry", E, _INPUT,
         "An archive member was not extracted: absolute path or `..` traversal, symbolic or hard link, "
         "device or other special file, or an encrypted member. (Archive expansion limits are MES003.)"),
    Code("MES009", "Unknown API version for a Kuma kind", W, _INPUT,
         "The object names a Kuma kind with an API version MES Doctor does not know. It is read as "
         "`kuma.io/v1alpha1`; check the manifest."),
    Code("MES010", "More findings of one code not listed", I, _NOTE,
         "A file or resource has more findings of one code than MES Doctor lists (50 by default): the first "
         "ones are listed, and this note counts the others. They are most likely the same problem; fix the "
         "listed ones and run again. The cap keeps a flood of findings (a key repeated 200,000 times) from "
         "exhausting memory or making a report of hundreds of megabytes. Statuses are unchanged."),
    Code("MES020", "Private key outside a Secret", W, _RISK,
         "A string of the manifest that is not a Secret's payload nor an inline TLS field holds private-key "
         "material: a PEM private key (also encrypted, OpenSSH, PGP) or certificate request, or base64 that "
         "decodes to one or to a DER private key (PKCS#1, PKCS#8, SEC1, PKCS#12). Typically a key pasted into an "
         "annotation, a label, a misspelt or unknown field, `extension.config`, or a `secret:` reference where a "
         "Secret's name belongs. Everyone who can read the resource can read the key. MES Doctor replaces the "
         "string, wherever it is shown or exported, by its size and SHA-256 (`<redacted: N bytes, sha256 …>`)."),
    # --- MES1xx: MES schema (CRD / Universal OpenAPI) ----------------------------------------------
    Code("MES101", "Required field missing", E, _WRITE,
         "The CRD / Universal schema requires this field (`spec.match`, SAN `value`, on 2.9 "
         "`extension.config`, on 3.0 `secretRef.kind`/`name` and the members of the chosen data source). "
         "The write is rejected. Where Kuma's validator reports the same missing field (`match.port`, "
         "endpoint `address`/`port`, `extension.type`, 3.0 data-source `type`), its message is shown instead."),
    Code("MES102", "Field has the wrong type", E, _WRITE,
         "The schema declares another JSON type for this field (e.g. a port given as a string). "
         "The write is rejected."),
    Code("MES103", "Value out of range", E, _WRITE,
         "A number is outside the schema's bounds: ports 1-65535 (negative ports pass Kuma's validator "
         "but not the schema), `priority` 0-128; `address` must not be empty."),
    Code("MES104", "Value not allowed by the schema enum", E, _WRITE,
         "The schema restricts this field to a fixed list and Kuma's validator does not check it here "
         "(e.g. an empty `match.type` on 2.10+, which the validator accepts and the CRD does not, or a "
         "`secretRef.kind` under `type: InsecureInline`)."),
    Code("MES105", "`inline` is not valid base64", E, _WRITE,
         "Legacy `inline` has `format: byte`: its value must be base64. Plain PEM text belongs in "
         "`inlineString`.", versions="2.9-2.14"),
    Code("MES106", "Unknown field", W, _WRITE,
         "The field is not part of the MeshExternalService schema for the target version. Kubernetes "
         "prunes it and Universal ignores it, so it has no effect. (`kubectl apply` with strict field "
         "validation, the default of recent kubectl, refuses the manifest instead with `strict decoding "
         "error: unknown field`.)"),
    # --- MES11x-13x: Kuma validator rules (section 2.3 of the reference) ------------------------
    Code("MES110", "Name too long (N1)", E, _WRITE,
         "`must not be longer than 63 characters`. On 2.9/2.10 the core name is checked (on Kubernetes "
         "`<name>.<namespace>`, so a name over 51 characters in `kuma-system` fails); from 2.11 the "
         "display name.", versions="2.9-2.14"),
    Code("MES111", "Name is not an RFC 1035 label (N2)", E, _WRITE,
         "3.0 requires the display name to be an RFC 1035 label: lower-case letters, digits and `-`, "
         "starting with a letter, at most 63 characters.", versions="3.0"),
    Code("MES112", "Unknown match type (M1)", E, _WRITE,
         "`spec.match.type` only supports `HostnameGenerator`."),
    Code("MES113", "Invalid match port (M2)", E, _WRITE,
         "`port must be a valid (1-65535)`: `spec.match.port` is 0 or above 65535."),
    Code("MES114", "Invalid match protocol (M3)", E, _WRITE,
         "`\"protocol\" must be one of [\"tcp\", \"grpc\", \"http\", \"http2\"]`. On Universal 2.9 an omitted "
         "protocol also fails, because 2.9 does not apply schema defaults there."),
    Code("MES115", "Invalid endpoint port (E1)", E, _WRITE,
         "`port must be a valid (1-65535)` for an endpoint whose address is valid."),
    Code("MES116", "Invalid endpoint address (E2)", E, _WRITE,
         "`address has to be a valid IP or hostname`: not an IP and not a DNS name (no scheme, port, "
         "brackets or wildcard)."),
    Code("MES117", "Invalid TLS version (V1)", E, _WRITE,
         "`tls.version.min`/`max` must be one of TLSAuto, TLS10, TLS11, TLS12, TLS13."),
    Code("MES118", "TLS min version above max (V2)", E, _WRITE,
         "`min version must be lower than max` when both are explicit."),
    Code("MES119", "serverName is not a DNS name (T1)", E, _WRITE,
         "`verification.serverName` must be a DNS name; an IP literal is rejected."),
    Code("MES120", "Unknown verification mode (T2)", E, _WRITE,
         "`mode` must be one of SkipSAN, SkipCA, SkipAll, Secured."),
    Code("MES121", "Unknown SAN match type (T3)", E, _WRITE,
         "`subjectAltNames[].type` must be Prefix or Exact (omitted fails on Universal 2.9)."),
    Code("MES122", "clientKey missing (T4)", E, _WRITE,
         "`must be defined when clientCert is defined`."),
    Code("MES123", "clientCert missing (T5)", E, _WRITE,
         "`must be defined when clientKey is defined`."),
    Code("MES124", "Data source type not allowed on MES (D1)", E, _WRITE,
         "3.0: only `Secret` and `InsecureInline` data sources are accepted; `File` and `EnvVar` are not.", versions="3.0"),
    Code("MES125", "secretRef missing (D2)", E, _WRITE,
         "3.0: a `type: Secret` data source needs `secretRef`.", versions="3.0"),
    Code("MES126", "secretRef kind not Secret (D3)", E, _WRITE,
         "3.0: `secretRef.kind` must be `Secret`.", versions="3.0"),
    Code("MES127", "secretRef name missing (D4)", E, _WRITE,
         "3.0: `secretRef.name` must be set.", versions="3.0"),
    Code("MES128", "insecureInline missing (D5)", E, _WRITE,
         "3.0: a `type: InsecureInline` data source needs `insecureInline.value`.", versions="3.0"),
    Code("MES129", "Data source type unknown or legacy shape (D6)", E, _WRITE,
         "3.0: the data source needs `type` (EnvVar, InsecureInline, File, Secret). The legacy shape "
         "(`secret`/`inline`/`inlineString`) has no type and is rejected on write.", versions="3.0"),
    Code("MES130", "Extension type empty (X1)", E, _WRITE,
         "`spec.extension.type` `must not be empty`."),
    Code("MES131", "Name not RFC 1035 (deprecated)", W, _WRITE,
         "2.10-2.14 accept the name with a deprecation warning; 3.0 rejects it. Rename before upgrading.", versions="2.10-2.14"),
    Code("MES132", "SNI format deprecated", W, _WRITE,
         "2.14+: the SNI computed for a port does not conform (mesh/name/zone/namespace must be RFC 1123 "
         "labels and the SNI at most 253 characters). Accepted with a deprecation warning.", versions="2.14-3.0"),
    # --- MES14x: admission -----------------------------------------------------------------------
    Code("MES140", "MES outside the system namespace", E, _WRITE,
         "On Kubernetes a MeshExternalService can be created only in the control plane's system "
         "namespace (default `kuma-system`). The webhook denies it."),
    Code("MES141", "Origin label missing on a federated zone", E, _WRITE,
         "On a zone connected to Global, resources need `kuma.io/origin: zone`."),
    Code("MES142", "Zone label names another zone", E, _WRITE,
         "`kuma.io/zone` must name the zone the resource is applied to."),
    Code("MES143", "Name is not an RFC 1123 subdomain", E, _WRITE,
         "The Kuma API (Universal) and kube-apiserver (Kubernetes, for every object) require lower-case "
         "alphanumerics, `-` or `.`, starting and ending alphanumeric, at most 253 characters."),
    Code("MES144", "Mesh label differs from the resource's mesh", E, _WRITE,
         "Universal: `kuma.io/mesh` must not differ from `mesh`."),
    # --- MES15x: semantic warnings on the MES -----------------------------------------------------
    Code("MES150", "No endpoints and no extension", W, _RISK,
         "Accepted, but the MES routes nowhere. On 2.9-2.11 it also cuts the egress filter chains of "
         "every MES sorted after it (see MES503)."),
    Code("MES151", "Extension has no handler in Kuma OSS", W, _RISK,
         "Kuma OSS has no code consuming `spec.extension`; only downstream distributions do. With an extension "
         "Kuma skips validating endpoints and TLS (3.0 still validates the TLS data sources)."),
    Code("MES152", "Verification configured but TLS disabled", W, _RISK,
         "`tls.verification` is set but `tls.enabled` is not true: no TLS is originated and nothing is "
         "loaded or verified."),
    Code("MES153", "Plaintext to a TLS port", W, _RISK,
         "An endpoint on port 443 with an HTTP-family protocol and TLS disabled: the egress sends "
         "plaintext HTTP to a port that almost certainly expects TLS."),
    Code("MES154", "Endpoint priorities have gaps", W, _RISK,
         "Envoy expects locality priorities from 0 to N without gaps.",
         versions="2.14-3.0"),
    Code("MES155", "Endpoint priority unsupported", W, _WRITE,
         "`endpoints[].priority` exists from 2.14; older versions prune or ignore it.", versions="2.9-2.13"),
    Code("MES156", "Several data-source members set", W, _RISK,
         "Legacy data source with more than one of `secret`/`inline`/`inlineString`: only one is used "
         "(precedence secret > inline > inlineString).", versions="2.9-2.14"),
    Code("MES157", "Empty data-source object", W, _RISK,
         "Legacy `{}` loads nothing without error: an empty `caCert` means system CA, an empty client "
         "certificate means no client authentication.", versions="2.9-2.14"),
    Code("MES158", "Empty inline value", W, _RISK,
         "An empty legacy `inline`/`inlineString` hands empty bytes to Envoy (on 3.0 an empty "
         "`insecureInline.value` is rejected on write instead: MES128).", versions="2.9-2.14"),
    Code("MES159", "Double TLS likely", W, _RISK,
         "`match.port` is 443 with TLS origination: clients that already speak HTTPS to the MES hostname "
         "will be wrapped in TLS twice. Use port 80 / plain HTTP on the client side, or no MES TLS."),
    Code("MES161", "kuma.io/zone on an MES is ignored on 3.0", W, _RISK,
         "Before 3.0 an MES labelled `kuma.io/zone` was served only by that zone's egress; 3.0 removed per-zone MES "
         "routing: every zone's egress dials the endpoints directly. Check every zone's network path to them.",
         versions="3.0"),
    # --- MES2xx: secret references ----------------------------------------------------------------
    Code("MES201", "Referenced Secret not found", E, _CP,
         "No Secret of that name exists anywhere in the input. kuma-cp cannot load the TLS material and "
         "drops the MES from the egress endpoint map (2.9: and every MES after it)."),
    Code("MES202", "Secret is in another namespace", E, _CP,
         "A Kuma Secret of that name exists, but not in the system namespace; Kuma only looks there."),
    Code("MES203", "Secret belongs to another mesh", E, _CP,
         "The Secret's `kuma.io/mesh` label (Universal: `mesh`) names another mesh. MES can only use "
         "Secrets of their own mesh."),
    Code("MES204", "Secret has no kuma.io/mesh label", E, _CP,
         "Kuma lists a mesh's Secrets with the selector `kuma.io/mesh=<mesh>`, so an unlabelled Secret is "
         "invisible to MES, even for mesh `default`."),
    Code("MES205", "Secret has the wrong type", E, _CP,
         "Only Kubernetes Secrets of type `system.kuma.io/secret` are Kuma mesh Secrets (e.g. `Opaque` "
         "and `kubernetes.io/tls` are not)."),
    Code("MES206", "Only a GlobalSecret has that name", E, _CP,
         "GlobalSecrets can never be referenced by a MeshExternalService; create a mesh-scoped Secret."),
    Code("MES207", "Secret has no `value` key", W, _ENVOY,
         "Kuma reads the key `value`. Without it the loaded bytes are empty: a missing CA means system CA, "
         "a missing client certificate or key means no client authentication or an Envoy rejection."),
    Code("MES208", "Secret value is empty", W, _ENVOY,
         "The Secret's `value` is empty; Kuma passes empty bytes on (the Kubernetes webhook, when reachable, "
         "rejects `data.value: cannot be empty.`)."),
    Code("MES209", "Secret value is not valid base64", E, _WRITE,
         "Secret `data` must be base64. The API server (Universal: the Kuma API) rejects the write."),
    Code("MES210", "Empty secret name", E, _CP,
         "`secret: \"\"` is not \"not configured\": Kuma looks up a Secret named \"\" and fails.", versions="2.9-2.14"),
    Code("MES211", "Legacy data-source shape on 3.0", E, _CP,
         "3.0 cannot read the legacy shape: new writes are rejected, stored MES are dropped with "
         "`datasource type:  is not supported on MeshExternalService`.", versions="3.0"),
    Code("MES212", "File / EnvVar data source on MES", E, _CP,
         "3.0 refuses `File` and `EnvVar` data sources on MeshExternalService. Retired: it only repeated the write-"
         "stage finding at the same path (MES124, or MES129 for an unknown type), which is reported instead; the "
         "reference keeps status `unsupported-type`.", versions="3.0", retired=True),
    Code("MES213", "Data source incomplete", E, _CP,
         "3.0: `secretRef` or `insecureInline` is missing, so loading fails. Retired: it only repeated the write-stage "
         "finding at the same path (MES125, MES127 or MES128), which is reported instead; the reference keeps status "
         "`incomplete`.", versions="3.0", retired=True),
    Code("MES214", "Kuma Secret would be rejected", E, _WRITE,
         "The Kubernetes Secret webhook rejects an empty `data.value` on a Kuma Secret and a `kuma.io/mesh` "
         "label on a GlobalSecret."),
    # --- MES3xx: certificates and keys --------------------------------------------------------------
    Code("MES301", "Not PEM", E, _ENVOY,
         "The bytes are neither PEM nor DER: Envoy rejects the cluster (`Failed to load ... from <inline>`)."),
    Code("MES302", "Double base64", E, _ENVOY,
         "The bytes are base64 of a PEM (or of base64): encoded once too often. Envoy cannot load them."),
    Code("MES303", "Private key where a certificate is expected", E, _ENVOY,
         "`caCert`/`clientCert` contains a private key (and no certificate)."),
    Code("MES304", "Certificate where a private key is expected", E, _ENVOY,
         "`clientKey` contains no private key."),
    Code("MES305", "CA bundle has no CA certificate", E, _HS,
         "None of the certificates in `caCert` is a CA (basicConstraints CA:TRUE): verification of the "
         "server chain fails."),
    Code("MES306", "Client chain not leaf-first", E, _HS,
         "The first certificate of `clientCert` must be the leaf matching `clientKey`, followed by its "
         "intermediates."),
    Code("MES307", "Client key does not match the certificate", E, _ENVOY,
         "`clientKey` is not the private key of the first `clientCert` certificate: Envoy rejects the pair."),
    Code("MES308", "Encrypted private key", E, _ENVOY,
         "Envoy cannot use a passphrase-protected key from a Kuma Secret. Store it unencrypted."),
    Code("MES309", "Unsupported key or certificate format", E, _ENVOY,
         "The key type or encoding is not usable by Envoy (e.g. DSA, unknown PEM block)."),
    Code("MES310", "Certificate expired", E, _HS,
         "The certificate is past `notAfter`: the handshake fails (client certificate) or the chain cannot "
         "be verified (CA)."),
    Code("MES311", "Certificate not yet valid", E, _HS,
         "The certificate's `notBefore` is in the future (clock or issuance problem)."),
    Code("MES312", "Certificate expiring soon", W, _RISK,
         "The certificate expires within the warning window (default 30 days)."),
    Code("MES313", "Weak key", W, _RISK,
         "RSA below 2048 bits or EC below 256 bits. Servers may refuse it."),
    Code("MES314", "Weak signature algorithm", W, _RISK,
         "Signed with SHA-1 or MD5; modern peers reject these."),
    Code("MES315", "Certificate cannot be parsed", E, _ENVOY,
         "A `CERTIFICATE` PEM block holds broken ASN.1."),
    Code("MES316", "Client certificate not for client authentication", W, _HS,
         "The client certificate has an extended key usage without `clientAuth`; servers requiring mTLS "
         "will reject it."),
    Code("MES317", "DER instead of PEM", E, _ENVOY,
         "The bytes are a DER certificate or key. Envoy's inline data must be PEM."),
    Code("MES318", "Stray data between PEM blocks", W, _RISK,
         "Text outside the PEM blocks is ignored by Envoy but often signals a paste error."),
    Code("MES319", "Outdated certificate in a CA bundle", W, _RISK,
         "`caCert` holds a certificate that is expired or not yet valid next to currently valid CA "
         "certificates. Verification still works for servers chaining to a valid one; remove the stale "
         "certificate so it cannot be the one a server relies on."),
    # --- MES4xx: mesh and prerequisites ----------------------------------------------------------
    Code("MES401", "Mesh has no mTLS backend enabled", E, _CP,
         "The zone egress only serves meshes with `spec.mtls.enabledBackend`; MES of this mesh cannot work "
         "(clients see `Connection reset by peer`).", versions="2.9-2.14"),
    Code("MES402", "Enabled mTLS backend not defined", E, _CP,
         "`spec.mtls.enabledBackend` names a backend missing from `spec.mtls.backends`.", versions="2.9-2.14"),
    Code("MES403", "Mesh forbids MES access by default", W, _RISK,
         "`routing.defaultForbidMeshExternalServiceAccess: true`: the egress denies every MES (HTTP 403).",
         versions="2.9-2.14"),
    Code("MES404", "No zone egress in the zone", E, _CP,
         "No zone egress serves the selected zone (2.9-2.14: ZoneEgress resources; 3.0: Dataplanes of the MES's "
         "mesh with a `ZoneEgress` listener, none of them Ready in the zone): zone egresses are listed but serve "
         "other zones, or the input is known to hold every one of them (`--complete`, or a live source that listed "
         "the kind) and has none. Sidecars have no egress to send MES traffic to."),
    Code("MES405", "Mesh not found", E, _WRITE,
         "The MES belongs to a mesh for which no Mesh resource is in the input (while others are)."),
    Code("MES406", "Removed Mesh fields", W, _RISK,
         "3.0 removed `spec.mtls` (MeshIdentity and MeshTrust give workload identity) and `spec.routing` "
         "(`zoneEgress`, `defaultForbidMeshExternalServiceAccess`, `localityAwareLoadBalancing`): they are ignored and "
         "dropped on the next write. MES access is governed by a MeshTrafficPermission on the zone-egress listener, "
         "which denies by default.", versions="3.0"),
    Code("MES407", "routing.zoneEgress is not needed for MES", I, _NOTE,
         "Since 2.9.0 MES traffic always goes through the zone egress; `routing.zoneEgress` only affects "
         "legacy ExternalService and cross-zone traffic (on 3.0 the Mesh has no such routing: MES406).",
         versions="2.9-2.14"),
    Code("MES408", "Mesh-scoped zone egress needs meshServices Exclusive", E, _CP,
         "Kuma 2.14 generates the listeners of a mesh-scoped zone proxy (a Dataplane with a `ZoneEgress` listener), "
         "and initialises MeshIdentities, only when the Mesh sets `meshServices.mode: Exclusive`; else it logs "
         "`skipping zone proxy listeners: MeshServices must be in Exclusive mode` and the MES have no egress. "
         "3.0 dropped the condition.", versions="2.14"),
    Code("MES409", "Zone egress has no workload identity", E, _CP,
         "A mesh-scoped zone egress (2.14 where a zone-egress Dataplane serves the mesh; 3.0) generates its egress "
         "listener only with a workload identity: a MeshIdentity must select the zone-egress Dataplane and report "
         "`Ready: True`. Without one kuma-cp logs `skipping zone egress listener: WorkloadIdentity is required for "
         "egress mTLS` and clients have no egress identity to verify.", versions="2.14-3.0"),
    Code("MES410", "No client proxy has a workload identity", E, _CP,
         "Through a mesh-scoped zone egress only proxies with a workload identity (a MeshIdentity that selects them and "
         "is Ready) get a working MES cluster: on 3.0 the cluster is dropped (503 `cluster_not_found`), on 2.14 they "
         "keep the legacy mTLS path, whose SNI the mesh-scoped egress does not match. No client Dataplane of the "
         "mesh in the input has one.", versions="2.14-3.0"),
    Code("MES411", "Some client proxies have no workload identity", W, _CP,
         "Like MES410, for part of the mesh's client Dataplanes: those listed cannot reach any MES; the others can.",
         versions="2.14-3.0"),
    Code("MES412", "No MeshIdentity in the mesh", E, _CP,
         "The input holds every MeshIdentity (`--complete`, or a live source that listed them) and the mesh, which "
         "reaches its MES through a mesh-scoped zone egress, has none: no proxy gets a workload identity, so neither "
         "the egress nor the clients can carry MES traffic.", versions="2.14-3.0"),
    # --- MES5xx: endpoint map, hostnames, TLS behaviour ------------------------------------------
    Code("MES501", "Excluded from the egress endpoint map", E, _CP,
         "kuma-cp could not load this MES's TLS material while building the egress endpoint map; the MES "
         "is left out and kuma-cp logs `unable to create MeshExternalService endpoint`."),
    Code("MES502", "Dropped by an earlier MES (2.9 cascade)", E, _CP,
         "Kuma 2.9 stops building the mesh's egress endpoint map at the first MES whose TLS material fails "
         "(kumahq/kuma#12821): this healthy MES sorts after it and is dropped too. Fixed in 2.10.0.",
         versions="2.9"),
    Code("MES503", "Egress filter chain lost (inferred, 2.9-2.11)", W, _CP,
         "Inferred from the 2.9-2.11 egress listener code: the loop over the mesh's MES stops at the first "
         "MES without egress endpoints, so this MES keeps its cluster but gets no filter chain. Verify "
         "with an egress config dump; fixed in 2.12.0.", versions="2.9-2.11"),
    Code("MES504", "Not reachable from the selected zone", I, _NOTE,
         "`kuma.io/zone` names another zone, so this zone's egress does not serve the MES.",
         versions="2.9-2.14"),
    Code("MES505", "Hostname collision", W, _RISK,
         "Another MES of the same mesh renders the same hostname (each HostnameGenerator's template is evaluated; "
         "without generators in the input, the defaults `{{ .DisplayName }}.extsvc.mesh.local`): the first created "
         "keeps it, the others get `Collision` and no hostname from that generator. With creation times in the input "
         "only the later MES are reported, naming the one that keeps it."),
    Code("MES506", "No VIP or hostname in status", W, _RISK,
         "An exported zone MES has no `status.vip.ip` / `status.addresses`: sidecars get no outbound "
         "listener or DNS name for it yet."),
    Code("MES507", "HostnameGenerator condition failed", W, _RISK,
         "`status.hostnameGenerators` reports `Collision` or `TemplateError`."),
    Code("MES508", "No SNI", W, _HS,
         "The first endpoint is an IP and no `serverName` is set: no SNI is sent and SNI-routed servers fail. "
         "Where the name is verified (Secured with a validation context) the certificate must carry the IP; "
         "SkipSAN checks only the chain; SkipCA, SkipAll and 2.9 without `caCert` verify nothing."),
    Code("MES509", "Endpoints with different hostnames share one TLS context", W, _HS,
         "All endpoints are verified against the first endpoint's name (or `serverName`)."),
    Code("MES510", "Secured without CA, no verification on 2.9", W, _RISK,
         "2.9 reads the egress system CA path from the wrong field: without `caCert` the server is not "
         "verified at all and `tls.version` is ignored (#11985, fixed in 2.10.0).", versions="2.9"),
    Code("MES511", "Secured without CA uses the system CA bundle", I, _NOTE,
         "The server is verified against the zone egress's system CA bundle: normal for publicly trusted "
         "services.", versions="2.10-3.0"),
    Code("MES512", "Server not authenticated", W, _RISK,
         "`SkipCA`/`SkipAll` drop the whole validation context: no CA check, no SAN check, `tls.version` "
         "ignored."),
    Code("MES513", "serverName ignored by mode", W, _RISK,
         "`SkipSAN`/`SkipAll` clear `serverName`; SNI falls back to the first endpoint hostname."),
    Code("MES514", "subjectAltNames ignored by mode", W, _RISK,
         "SANs are only checked in `Secured` mode (and not when the validation context is dropped)."),
    Code("MES515", "tls.version ignored without verification (2.9)", W, _RISK,
         "On 2.9 `tls.version` only applies when `tls.verification` is present (#12162).", versions="2.9"),
    Code("MES516", "Client certificate dropped by SkipAll", W, _RISK,
         "`SkipAll` discards the loaded client certificate and key: no client authentication."),
    Code("MES517", "Duplicate legacy SNI", W, _CP,
         "Two MES of the mesh share the legacy egress SNI (same display name and port); only the first in "
         "sort order gets an egress filter chain.", versions="2.9-2.14"),
    Code("MES518", "Left out of the 3.0 egress endpoint map: no endpoints", W, _CP,
         "Kuma 3.0 skips an MES without endpoints while building the zone egress's endpoint map: it gets no "
         "egress cluster and no filter chain (2.9-2.14 process it and keep an empty endpoint list). It routes "
         "nowhere on any version (MES150); this says where 3.0 drops it.", versions="3.0"),
    Code("MES520", "Most MES belong to another zone", W, _RISK,
         "More than half of the MES carry `kuma.io/zone` of one zone other than the analysed one (kuma-cp sets "
         "the label to its own zone on the MES created there): the input most likely comes from that zone. "
         "On 2.9-2.14 the analysed zone's egress leaves them out (MES504), so the endpoint map and the 2.9 "
         "cascade shown are another zone's. Analyse that zone (`--zone`, or leave it empty to detect it)."),
    # --- MES6xx: resources around an MES ------------------------------------------------------------
    Code("MES601", "Route refers to an MES that does not exist", E, _CP,
         "A MeshHTTPRoute / MeshTCPRoute `to[].targetRef`, backendRef or mirror of kind MeshExternalService selects no "
         "MES of the route's mesh (by name: the display name in the ref's `namespace`, else the route's own; by "
         "labels: every label). 2.9-2.14 drop the split silently (a rule left without splits is skipped); 2.10-2.14 "
         "send a rule none of whose label selectors match to the destination itself; 3.0 answers HTTP 500 for a rule "
         "whose backendRefs all fail to resolve."),
    Code("MES602", "MeshHTTPRoute to a non-HTTP MES", E, _CP,
         "An HTTP split only takes an http, http2 or grpc destination: a MeshHTTPRoute backendRef to an MES with "
         "`match.protocol: tcp` is dropped, and a MeshHTTPRoute whose `to[].targetRef` is such an MES never applies "
         "(its outbound is a TCP listener). Use a MeshTCPRoute, or the right protocol on the MES."),
    Code("MES603", "Route ref to an MES rejected", E, _WRITE,
         "Kuma's validator refuses how the route refers to a MeshExternalService: a position that does not take the "
         "kind (2.9: `requestMirror`), `sectionName`/`mesh`/`tags`/`proxyTypes` set, neither `name` nor `labels` "
         "(2.14: at the ref itself), `labels` with `name`; 3.0 selects real resources by `labels` only."),
    Code("MES604", "backendRef port ignored for an MES", W, _RISK,
         "An MES has one port (`spec.match`), which Kuma uses whatever port a backendRef names; a different `port` "
         "is ignored (it is not the endpoint port either)."),
    Code("MES610", "Zone egress denies the MES", E, _CP,
         "Through a mesh-scoped zone egress (2.14, 3.0) the egress listener allows only what the `rules` of the "
         "MeshTrafficPermissions selecting it allow (deny entries first, no match is deny): nothing allows traffic "
         "to this MES (its KRI SNI) from any client in the input, or no MeshTrafficPermission selects the listener.",
         versions="2.14-3.0"),
    Code("MES611", "Zone egress denies some clients of the MES", W, _CP,
         "Like MES610 for part of the clients: their SPIFFE IDs match no allow rule (or a deny rule) for this MES.",
         versions="2.14-3.0"),
    Code("MES612", "MeshTrafficPermission targets an MES", E, _WRITE,
         "No version lets a MeshTrafficPermission select a MeshExternalService (`spec.targetRef.kind` is refused; MTP "
         "support for MES was removed in 2.9.0). Before 2.14 the egress allows every MES unless the Mesh forbids them "
         "all; through a mesh-scoped egress the MTP selects the egress Dataplane instead."),
    Code("MES620", "Policy entry to an MES rejected", E, _WRITE,
         "Kuma's validator refuses a MeshTimeout / MeshRetry / MeshCircuitBreaker / MeshHealthCheck `to` entry of kind "
         "MeshExternalService: circuit breakers and health checks accept the kind from 2.14 only (before, also "
         "`only allowed with targetRef.kind: Mesh`), and the MES ref field rules apply."),
    Code("MES621", "Policy entry selects no MES", W, _RISK,
         "A policy's `to` entry of kind MeshExternalService selects no MES of its mesh: the entry has no effect."),
    Code("MES630", "MeshPassthrough rejected", E, _WRITE,
         "Kuma's validator refuses the MeshPassthrough (ports, protocols per version - `mysql` from 2.10 and only with "
         "a port -, Domain/IP/CIDR values, wildcards, top-level kinds)."),
    Code("MES631", "appendMatch has no effect in this passthroughMode", W, _RISK,
         "Under `passthroughMode: All` or `None` Kuma ignores `appendMatch` (everything, or nothing, passes); only "
         "`Matched` uses the list. Kuma 2.9's Kubernetes CRD defaulted the mode to `None`."),
    Code("MES632", "Host reachable through the MES and directly", W, _RISK,
         "A MeshPassthrough lets an MES endpoint's address through directly: an application calling that address "
         "(not the MES hostname) bypasses the zone egress, the MES's TLS origination and its policies."),
    Code("MES633", "Host reachable neither way", W, _RISK,
         "The MES is left out of the egress endpoint map on the target version, and passthrough (a MeshPassthrough, or "
         "2.x `networking.outbound.passthrough: false`) does not let its endpoints through either."),
    Code("MES640", "HostnameGenerator rejected", E, _WRITE,
         "Kuma's validator refuses the HostnameGenerator: not exactly one selector, an empty template or one that "
         "does not parse (2.14+: or renders no DNS name with stub values), an extension without `type` (2.11+)."),
    Code("MES641", "Generated hostname is not a DNS name", W, _CP,
         "2.14+: the generator's template renders a name for this MES that is no RFC 1123 subdomain (upper case, a "
         "leading dot, `_`...): Kuma reports `TemplateError` and the MES gets no hostname from it.",
         versions="2.14-3.0"),
    Code("MES642", "Invalid hostname handed out silently", W, _RISK,
         "Before 2.14 Kuma hands out whatever the template renders and reports `Generated` (UPGRADE.md 2.14): the "
         "status does not show that the hostname is no valid DNS name, which clients cannot resolve.",
         versions="2.9-2.13"),
    Code("MES643", "HostnameGenerator template fails for the MES", W, _CP,
         "The template cannot be evaluated for this MES (typically `label \"<key>\"` of a label it lacks): Kuma "
         "reports `TemplateError` and the MES gets no hostname from that generator."),
    Code("MES645", "No HostnameGenerator selects the MES", W, _RISK,
         "The input holds the HostnameGenerators (or a live source listed them) and none selects the MES: it gets no "
         "hostname, only a VIP."),
    Code("MES650", "Legacy ExternalService removed in 3.0", E, _WRITE,
         "Kuma 3.0 removed ExternalService (CRD, API, webhook): applying one fails and stored ones are gone after the "
         "upgrade. `mesdoctor migrate` writes the equivalent MeshExternalService.", versions="3.0"),
    Code("MES651", "ExternalService and MES for the same host", W, _RISK,
         "Kuma's documentation says not to mix ExternalService and MeshExternalService for one destination: they take "
         "different paths with their own TLS settings and policies.", versions="2.9-2.14"),
    Code("MES652", "Legacy ExternalService", I, _NOTE,
         "ExternalService is the legacy way to reach an external host and is removed in 3.0; `mesdoctor migrate` "
         "writes the equivalent MeshExternalService.", versions="2.9-2.14"),
    # --- MES9xx: coverage notes ---------------------------------------------------------------------
    Code("MES901", "No Mesh resource in the input", I, _NOTE,
         "Mesh prerequisites (mTLS backend, MES access default) were not checked."),
    Code("MES902", "Secrets not available", I, _NOTE,
         "The input has no Secrets (or they could not be read): secret references were not checked and show "
         "`not-checked`."),
    Code("MES903", "No zone egress in the input", I, _NOTE,
         "The presence of a zone egress in the selected zone was not checked (2.9-2.14: no ZoneEgress in the "
         "input; 3.0: no Dataplane with a `ZoneEgress` listener in the MES's mesh)."),
    Code("MES904", "MeshIdentity and MeshTrafficPermission not checked", I, _NOTE,
         "Through a mesh-scoped zone egress (3.0; 2.14 where a zone-egress Dataplane serves the mesh) a MeshIdentity "
         "must cover clients and egress, and a MeshTrafficPermission must allow the egress listener. MES Doctor "
         "evaluates both (MES409-MES412, MES610, MES611) from the MeshIdentities, MeshTrafficPermissions and "
         "Dataplanes in the input; the note says which of them the input lacks, so what was not checked.",
         versions="2.14-3.0"),
    Code("MES905", "Secrets could not be read", I, _NOTE,
         "A live source refused to list Secrets (e.g. RBAC 403); secret references show `not-checked`."),
    # --- MES95x: the merge gate's suppressions (core.gate; `mesdoctor check`, not the dashboard) -------
    Code("MES950", "Suppression matches nothing", W, _NOTE,
         "A suppression (in `.mesdoctor.yaml` or a `mesdoctor.kuma.io/ignore` annotation) that has not ended "
         "covers no finding of this input: what it accepted is fixed or no longer reported. Remove it, or it "
         "would hide the problem if it came back."),
    Code("MES951", "Suppression has ended", W, _NOTE,
         "A suppression is past its `until` date (a date covers that whole day, UTC; `--now` sets the clock). "
         "It suppresses nothing any more: the findings it covered count for `--fail-on` again."),
    Code("MES952", "Suppression annotation cannot be read", W, _INPUT,
         "An entry of the `mesdoctor.kuma.io/ignore` annotation is not `CODES [until YYYY-MM-DD]: REASON` "
         "(one entry per line; codes separated by commas), names an unknown code or a MES95x code, has no "
         "reason or an unreadable date. That entry suppresses nothing."),
    Code("MES953", "Suppression ends soon", I, _NOTE,
         "A suppression in use ends within the expiry warning window (`--expiry-warning-days`): the findings it "
         "covers will count again then."),
]

_CODES = [replace(c, example=EXAMPLES.get(c.code, c.example), example_complete=c.code not in PLACEHOLDER)
          for c in _CODES]

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}
assert len(CATALOGUE) == len(_CODES), "duplicate code in catalogue"
assert list(CATALOGUE) == sorted(CATALOGUE), "catalogue must stay sorted by code"


def get(code: str) -> Code:
    return CATALOGUE[code]


MAX_MESSAGE_CHARS = 4096


def finding(
    code: str,
    message: str,
    resource: ResourceRef | None = None,
    *,
    path: str = "",
    hint: str = "",
    fix: str = "",
    origin: Origin | None = None,
    related: tuple[ResourceRef, ...] = (),
) -> Finding:
    """Build a Finding whose severity and stage come from the catalogue.

    A message longer than `MAX_MESSAGE_CHARS` (one quoting a huge value of the input) is cut there: every
    report and page repeats it, and no operator reads past the first lines."""
    entry = CATALOGUE[code]
    if len(message) > MAX_MESSAGE_CHARS:
        message = f"{message[:MAX_MESSAGE_CHARS]}… (message cut: {len(message):,} characters)"
    return Finding(
        code=code,
        severity=entry.severity,
        stage=entry.stage,
        message=message,
        resource=resource,
        path=path,
        hint=hint,
        fix=fix,
        origin=origin,
        related=related,
    )
