"""Certificate and key inspection of the TLS material MES data sources load.

Public API: `inspect(ctx, materials)` (fills `ctx.certificates` and `ctx.material_findings`),
`parse_material(data)` (role-independent facts, no key bytes), `certificate_status(...)`.
"""

from core.certs.evaluate import certificate_status
from core.certs.inspect import inspect
from core.certs.parse import parse_material

__all__ = ["certificate_status", "inspect", "parse_material"]
