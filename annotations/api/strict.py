"""Serializer behaviour shared by every write endpoint: unknown fields are an error.

DRF silently drops fields it does not know; for a labelling platform a typo in a
field name must not pass as success.
"""

from typing import Any

from rest_framework import serializers


class StrictFieldsMixin(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["unknown or read-only field"] for name in unknown})
        return super().to_internal_value(data)
