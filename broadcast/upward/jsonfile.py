"""The JSON adapter: the payload as a UTF-8 JSON document (``schema/v1.json`` describes it)."""

from __future__ import annotations

import json

from .base import Adapter


class JsonAdapter(Adapter):
    name = "json"
    media_type = "application/json"
    extension = "json"

    def _write(self, payload: dict) -> bytes:
        indent = self.options.get("indent", 2)
        return (json.dumps(payload, ensure_ascii=False, indent=indent) + "\n").encode("utf-8")
