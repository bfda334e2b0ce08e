"""Secret-reference resolution: which TLS data sources of each MES kuma-cp can load, and why not.

Public API:
- `resolve(ctx) -> dict[str, bytes]`: fills `ctx.references[mes.key]` with one `SecretReference`
  per configured data source in Kuma's load order and returns the loaded bytes by sha256.
- `first_failing_reference(ctx, mes)` / `first_failing(references)`: the reference that makes
  kuma-cp fail the MES (the first whose `status.loads` is False), or None.
- `sidecar_log_line(...)`: the second log line 2.10+ print for the sidecar-side endpoints.
"""

from core.secrets.logs import sidecar_log_line
from core.secrets.resolve import first_failing, first_failing_reference, resolve

__all__ = ["first_failing", "first_failing_reference", "resolve", "sidecar_log_line"]
