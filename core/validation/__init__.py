"""MeshExternalService validation faithful to Kuma: schema, validator, admission, deprecations.

Public helpers other stages reuse:

* `apply_defaults(mes, version)` - the spec with the schema defaults Kuma applies on write.
* `validate_spec(mes, version)` - schema + Kuma validator violations, reconciled.
* `kuma_violations(mes, version)` - Kuma's validator alone, in emission order.
* `core.validation.names` - `is_ip`, `is_dns_name`, RFC 1035/1123 checks, display/core names, KRI SNI.
"""

from core.validation.defaults import applies_defaults, apply_defaults
from core.validation.kuma_validator import kuma_violations
from core.validation.names import is_dns_name, is_ip
from core.validation.spec_validation import SpecValidation, validate_spec
from core.validation.violation import Violation

__all__ = [
    "SpecValidation",
    "Violation",
    "applies_defaults",
    "apply_defaults",
    "is_dns_name",
    "is_ip",
    "kuma_violations",
    "validate_spec",
]
