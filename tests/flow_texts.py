"""What a config-flow form shows in English: its fields and their translated texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.data_entry_flow import FlowResultType

EN = Path(__file__).parent.parent / "custom_components" / "cniot" / "translations" / "en.json"


def form_fields(result: ConfigFlowResult) -> dict[str, tuple[str, str]]:
    """Each field of the form: its English label and help text (step ``data`` texts)."""
    assert result["type"] is FlowResultType.FORM, result
    step: dict[str, Any] = json.loads(EN.read_text(encoding="utf-8"))["config"]["step"][
        result["step_id"]
    ]
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(marker): (step["data"][str(marker)], step["data_description"][str(marker)])
        for marker in schema.schema
    }


def form_texts(result: ConfigFlowResult) -> str:
    """The form's English title and description, as written (placeholders unfilled)."""
    step = json.loads(EN.read_text(encoding="utf-8"))["config"]["step"][result["step_id"]]
    return f"{step['title']}\n{step['description']}"
