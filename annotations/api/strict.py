"""Serializer behaviour shared by every write endpoint: unknown fields and numbers as text are errors.

DRF silently drops fields it does not know; for a labelling platform a typo in a
field name must not pass as success. DRF also turns a number sent for a text
field into text (``{"note": 12}`` saves "12"): a client that sends the wrong type
has a bug, and is told so. (Only text fields are checked: form posts send every
value as text, so numbers and booleans as text stay accepted.)
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
            not_text = sorted(
                name
                for name, value in data.items()
                if isinstance(self.fields[name], serializers.CharField) and value is not None and not isinstance(value, str)
            )
            if not_text:
                raise serializers.ValidationError({name: ["must be a string"] for name in not_text})
        return super().to_internal_value(data)
